// What each `mend` command does. Output goes through `out`; bad input throws UsageError before anything starts.
import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { temporalConnection } from '../common/temporal-connection';
import { runbookKey, severityKey, statusKey, targetKey } from '../common/search-attributes';
import { checkSeverity, planIncident, startIncident, type IncidentRequest } from '../client/manual-incident';
import { catalogEntries } from '../workflows/catalog';
import type { MendConfig } from '../config/schema';
import { renderDrProgress } from '../workflows/dr-render';
import { describeParams } from '../common/runbook-params';
import { isDuration, toMs } from '../common/duration';
import { reportFromHistory } from './incident-history';
import { renderGuard, renderIncident, renderOutcome, renderRunbooks, table } from './render';
import { showDrStatus } from './dr';
import { postDecision, postStart } from './gateway-calls';
import type { Session } from './session';
import { UsageError } from '../client/usage-error';
import { describeIncident, isDrRun, readDrRun, readGuard, readIncident } from '../client/workflow-reads';
import { workflowLink } from '../common/workflow-link';

export function listRunbooks({ out }: Session, json: boolean): void {
  const list = catalogEntries().map(({ definition: r, pack }) => ({
    name: r.name,
    pack,
    risk: r.risk,
    description: r.description,
    escalateTo: r.escalateTo ?? [],
    params: describeParams(r as never),
  }));
  out(json ? JSON.stringify(list, null, 2) : renderRunbooks(list));
}

/** Starts an incident: through the gateway as the signed-in operator when approvals.oidc is set (who asked is then
 * known, and may not approve it), else straight on Temporal. */
export async function runIncident(session: Session, { json, ...request }: IncidentRequest & { json: boolean }): Promise<void> {
  const plan = planIncident(request);
  const { config } = session;
  const started = config.approvals.oidc
    ? await postStart(session, request)
    : (await startIncident(await session.client(), config, plan), { incidentId: plan.id, target: plan.target });
  const link = workflowLink(config.temporal.uiUrl, config.temporal.namespace, started.incidentId);
  if (json) session.out(JSON.stringify({ ...started, ui: link }));
  else session.out(`started incident ${started.incidentId} (${plan.input.runbook} on ${started.target})\n${link}`);
}

export async function showStatus(session: Session, id: string, json: boolean): Promise<void> {
  if (await isDrRun(await session.client(), id)) return showDrStatus(session, id, json);
  const { incidentView, runbookView } = await readIncident(await session.client(), id);
  session.out(json ? JSON.stringify({ incident: incidentView, runbook: runbookView }, null, 2) : renderIncident(incidentView, runbookView));
}

/** Shows the incident until it has an outcome (or Ctrl-C); redraws on a terminal, else appends what changed. */
export async function watchStatus(
  session: Session,
  id: string,
  options: { interval: string; redraw: boolean; stop?: AbortSignal },
): Promise<'recovered' | 'not recovered' | 'stopped'> {
  if (!isDuration(options.interval) || toMs(options.interval) <= 0) throw new UsageError(`--interval must be a duration like 1s or 500ms, got "${options.interval}"`);
  const client = await session.client();
  const read = (await isDrRun(client, id)) ? () => drFrame(client, id) : () => incidentFrame(client, id);
  let shown = '';
  for (;;) {
    const { frame, ended } = await read();
    if (frame !== shown) session.out(options.redraw ? `${clearScreen}${frame}` : shown ? `\n${frame}` : frame);
    shown = frame;
    if (ended) {
      session.out(ended.line);
      return ended.ok ? 'recovered' : 'not recovered';
    }
    try {
      await delay(toMs(options.interval), undefined, { signal: options.stop });
    } catch {
      session.out(`stopped watching ${id}; it goes on`);
      return 'stopped';
    }
  }
}

interface Frame {
  frame: string;
  /** Once it is over: the last line, and whether it went well. */
  ended?: { line: string; ok: boolean };
}

async function incidentFrame(client: Client, id: string): Promise<Frame> {
  const { incidentView, runbookView, running } = await readIncident(client, id);
  const frame = renderIncident(incidentView, runbookView, { timelineTail: 8 });
  const outcome = incidentView.record ?? (running ? undefined : { status: 'failed' as const, reason: 'the incident workflow ended without a record' });
  return { frame, ended: outcome && { line: renderOutcome(id, outcome), ok: ['recovered', 'not-needed', 'planned'].includes(outcome.status) } };
}

async function drFrame(client: Client, id: string): Promise<Frame> {
  const { view, status } = await readDrRun(client, id);
  const ended =
    view.status === 'done'
      ? { line: `DR run ${id} done: RTO ${view.rto.target} ${view.rto.met ? 'met' : 'missed'}`, ok: !!view.rto.met }
      : status !== 'RUNNING'
        ? { line: `DR run ${id} ended ${status.toLowerCase()} before its checklist was done`, ok: false }
        : undefined;
  return { frame: renderDrProgress(view), ended };
}

const clearScreen = '\x1b[H\x1b[2J';

/** The post-incident report in Markdown, from Temporal's history; to stdout or to a file. */
export async function reportIncident(session: Session, id: string, file?: string): Promise<void> {
  const client = await session.client();
  const report = await reportFromHistory(client, await describeIncident(client, id));
  if (!file) return session.out(report.trimEnd());
  await writeFile(file, report);
  session.out(`wrote the report of ${id} to ${file}`);
}

export async function listIncidents(
  session: Session,
  filters: { status?: string; runbook?: string; target?: string; severity?: string; limit: number; json: boolean },
): Promise<void> {
  const clauses = [`WorkflowType = 'incident'`];
  const add = (field: string, value: string | undefined) => {
    if (value === undefined) return;
    if (!/^[\w./:@-]+$/.test(value)) throw new UsageError(`bad filter value for ${field}: "${value}"`);
    clauses.push(`${field} = '${value}'`);
  };
  if (filters.severity) checkSeverity(filters.severity);
  if (!Number.isInteger(filters.limit) || filters.limit < 1) throw new UsageError('--limit must be a positive integer');
  add(statusKey.name, filters.status);
  add(runbookKey.name, filters.runbook);
  add(targetKey.name, filters.target);
  add(severityKey.name, filters.severity);
  const client = await session.client();
  const rows: Record<string, string>[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: Math.min(filters.limit, 100) })) {
    const sa = wf.typedSearchAttributes;
    rows.push({
      id: wf.workflowId,
      status: sa.get(statusKey) ?? wf.status.name.toLowerCase(),
      runbook: sa.get(runbookKey) ?? '',
      target: sa.get(targetKey) ?? '',
      severity: sa.get(severityKey) ?? '',
      started: wf.startTime.toISOString(),
    });
    if (rows.length >= filters.limit) break;
  }
  if (filters.json) session.out(JSON.stringify(rows, null, 2));
  else session.out(rows.length ? table(rows) : 'no incidents match');
}

/** Sends approve/reject through the gateway, as the signed-in operator; prints what the runbook recorded. */
export async function decide(session: Session, decision: 'approve' | 'reject', id: string, by: string | undefined, comment: string | undefined): Promise<boolean> {
  return postDecision(session, `/approvals/${encodeURIComponent(id)}`, { decision, comment, by: by?.trim() || undefined });
}

export async function showGuard(session: Session, target: string, json: boolean): Promise<void> {
  const view = await readGuard(await session.client(), target);
  session.out(json ? JSON.stringify(view, null, 2) : renderGuard(view));
}

/** Resets a target's budget, cooldown and blocks (an allowed approver only), through the gateway. */
export async function overrideGuard(session: Session, target: string, by: string | undefined, comment: string | undefined): Promise<boolean> {
  if (!comment?.trim()) throw new UsageError('override needs --comment WHY (it is recorded)');
  return postDecision(session, `/overrides/${encodeURIComponent(target)}`, { reason: comment.trim(), by: by?.trim() || undefined });
}

export async function connect(config: MendConfig): Promise<Client> {
  const { address, namespace } = config.temporal;
  try {
    const connection = await Connection.connect({ ...temporalConnection(config.temporal), connectTimeout: '5s' });
    return new Client({ connection, namespace });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address}: ${(err as Error).message}`);
  }
}
