// The DR checklist as a durable run: items start as soon as what they depend on is done (independent ones in
// parallel); manual items wait for an approver's `confirm`, automated ones run an activity or a runbook (as a
// child incident). A timer escalates when the RTO is about to be missed. Ends with a Markdown report.
import { errorMessage } from '../common/error-message';
import { allHandlersFinished, ApplicationFailure, condition, executeChild, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { deciderRefusal, legacyRefusal, recordedSender, signer } from '../common/approvers';
import type { OperatorIdentity } from '../common/operator-identity';
import { secondsBetween, toMs } from '../common/duration';
import { shortJson } from '../common/markdown';
import type { IncidentInput, RecoveryRecord, SafetyPolicy, Severity, TimelineEntry } from '../common/types';
import { formatIssues } from '../common/zod-issues';
import { drChecklistShape, drPhases, type DrItem } from '../config/dr-schema';
import {
  confirmSignal,
  drProgressQuery,
  drReportQuery,
  type DrConfirm,
  type DrConfirmation,
  type DrInput,
  type DrItemState,
  type DrOutcome,
  type DrRpo,
  type DrView,
} from './dr-definitions';
import type { MysqlActivities } from '../runbooks/mysql/actions';
import { policyActivityOptions, shortReads } from './activity-options';
import { bootstrap } from './bootstrap';
import { renderDrProgress, renderDrReport } from './dr-render';

import { notifierOutbox } from './notices';
import { OperatorSignals } from './operator-signals';

type ActivityByName = Record<string, (params: unknown) => Promise<unknown>>;

export async function drChecklist(input: DrInput): Promise<DrOutcome> {
  const parsed = drChecklistShape.safeParse(input.checklist);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid checklist: ${formatIssues(parsed.error).join('; ')}`, 'NonRetryable');
  const checklist = parsed.data;
  const severity: Severity = input.severity ?? 'critical';
  const runId = workflowInfo().workflowId;
  const startedMs = workflowInfo().startTime.getTime();
  const rtoMs = toMs(checklist.rto);
  const warnMs = Math.round(rtoMs * checklist.rtoWarnAt);
  const iso = (ms: number) => new Date(ms).toISOString();
  const now = () => iso(Date.now());

  const items: DrItemState[] = checklist.items.map(stateOf);
  const byId = new Map(items.map((i) => [i.id, i]));
  const definitions = new Map(checklist.items.map((i) => [i.id, i]));
  const confirmations: DrConfirmation[] = [];
  const timeline: TimelineEntry[] = [];
  let policy: SafetyPolicy | undefined;
  let rpo: DrRpo | undefined;
  let atRisk = false;
  let endedAt: number | undefined;

  const view = (): DrView => ({
    runId,
    name: checklist.name,
    status: endedAt === undefined ? 'running' : 'done',
    startedAt: iso(startedMs),
    endedAt: endedAt === undefined ? undefined : iso(endedAt),
    rto: {
      target: checklist.rto,
      warnAt: iso(startedMs + warnMs),
      deadline: iso(startedMs + rtoMs),
      atRisk,
      met: endedAt === undefined ? undefined : endedAt - startedMs <= rtoMs,
    },
    rpo,
    phases: drPhases
      .map((phase) => ({ phase, all: items.filter((i) => i.phase === phase) }))
      .filter((p) => p.all.length > 0)
      .map(({ phase, all }) => ({ phase, done: all.filter((i) => i.status === 'done').length, total: all.length })),
    items,
    confirmations,
    approvers: policy?.approval.approvers ?? [],
    timeline,
  });
  const publish = () => setCurrentDetails(renderDrProgress(view()));
  const mark = (event: string, detail?: string) => {
    timeline.push({ at: now(), event, detail });
    publish();
  };

  setHandler(drProgressQuery, view, { description: 'Progress: items by phase, who confirmed what, RTO and RPO' });
  setHandler(drReportQuery, () => renderDrReport(view()), { description: 'The Markdown report, so far (final once the run ends)' });
  const operators = new OperatorSignals();
  const confirm = (signal: DrConfirm, sender?: OperatorIdentity) => {
    const { confirmation, item } = judge(signal, byId, policy!.approval.approvers, now(), sender);
    confirmations.push(confirmation);
    if (!item) return mark('confirmation refused', `${confirmation.by || '(missing)'} on ${confirmation.item}: ${confirmation.reason}`);
    Object.assign(item, { status: 'done', confirmedBy: confirmation.by, confirmedAt: confirmation.at, note: confirmation.note, endedAt: confirmation.at });
    mark('confirmed', `${item.id} by ${confirmation.by}${confirmation.note ? `: ${confirmation.note}` : ''}`);
  };

  mark('started', `${checklist.items.length} items, RTO ${checklist.rto}${input.summary ? `: ${input.summary}` : ''}`);
  const settings = await bootstrap.incidentSettings();
  policy = settings.policy;
  const outbox = notifierOutbox(settings.notifications);
  if (checklist.rpo) rpo = await readRpo(checklist.rpo.cluster, startedMs);
  publish();

  const acts = (timeout: string | number) => proxyActivities<ActivityByName>(policyActivityOptions(policy!, { startToCloseTimeout: timeout }));

  const runItem = async (item: DrItemState): Promise<void> => {
    const definition = definitions.get(item.id)!;
    item.startedAt = now();
    if ('manual' in definition) {
      item.status = 'awaiting-confirmation';
      publish();
    } else {
      item.status = 'running';
      if ('runbook' in definition) item.childId = `${runId}/${item.id}`;
      mark('item started', `${item.id} (${item.kind})`);
      try {
        if ('activity' in definition) {
          item.result = brief(await acts(definition.timeout)[definition.activity](definition.params));
        } else {
          item.result = await runRunbook(definition, item.childId!, runId);
        }
        Object.assign(item, { status: 'done', endedAt: now() });
        mark('item done', `${item.id}: ${item.result}`);
      } catch (err) {
        Object.assign(item, { status: 'failed', error: errorMessage(err), endedAt: now() });
        mark('item failed', `${item.id}: ${item.error}; an approver may confirm it once done by hand`);
      }
    }
    await condition(() => item.status === 'done');
  };

  // The RTO watch: a durable timer that escalates at rtoWarnAt, and notes the miss at the RTO.
  let finished = false;
  const watchRto = async () => {
    if (await condition(() => finished, Math.max(1, startedMs + warnMs - Date.now()))) return;
    atRisk = true;
    const open = items.filter((i) => i.status !== 'done').map((i) => i.id);
    const reason = `RTO ${checklist.rto} at risk: ${open.length} of ${items.length} items open (${open.join(', ')}), deadline ${iso(startedMs + rtoMs)}`;
    mark('RTO at risk', reason);
    outbox.post({ kind: 'rto-at-risk', incidentId: runId, severity, title: `${checklist.name}: RTO ${checklist.rto} at risk`, text: reason, target: 'dr' });
    mark('notified', outbox.enabled ? 'rto-at-risk notice handed to the notifier' : 'no notification sinks are configured');
    await bootstrap.escalate({ incidentId: runId, target: 'dr', severity, reason }).then(
      () => mark('escalated', 'to people (escalate)'),
      (err) => mark('escalation failed', errorMessage(err)),
    );
    if (await condition(() => finished, Math.max(1, startedMs + rtoMs - Date.now()))) return;
    mark('RTO missed', `${items.filter((i) => i.status !== 'done').length} items still open`);
  };
  const rtoWatch = watchRto();

  // Start every item whose dependencies are done; wait for any running one to finish; again.
  const running = new Map<string, Promise<void>>();
  const startReady = () => {
    for (const item of items) {
      if (item.status !== 'waiting' || !item.dependsOn.every((d) => byId.get(d)!.status === 'done')) continue;
      running.set(
        item.id,
        runItem(item).then(() => void running.delete(item.id)),
      );
    }
  };
  startReady();
  // Only now, with the policy read and the first items waiting: Temporal holds a confirmation sent earlier until here.
  setHandler(confirmSignal, operators.handler('confirm', confirm), {
    description:
      'Confirm a manual item (or a failed automated one, done by hand), counted as who signed in (Temporal UI, `mend dr confirm`). Payload: {"item": "<id>", "note": "<what was done>"}',
  });
  while (items.some((i) => i.status !== 'done')) {
    await Promise.race(running.values());
    startReady();
  }

  finished = true;
  await condition(allHandlersFinished); // a confirmation being authenticated is recorded
  await rtoWatch;
  await outbox.flush();
  endedAt = Date.now();
  const { rto } = view();
  mark('done', `RTO ${rto.target} ${rto.met ? 'met' : 'missed'}`);
  return { ...view(), report: renderDrReport(view()) };
}

function stateOf(item: DrItem): DrItemState {
  const kind = 'manual' in item ? 'manual' : 'activity' in item ? `activity ${item.activity}` : `runbook ${item.runbook}`;
  return { id: item.id, title: item.title, phase: item.phase, dependsOn: item.dependsOn, kind, status: 'waiting' };
}

/** A confirmation counts when its sender is an approver and the item waits for one; otherwise it is recorded as refused. */
function judge(signal: DrConfirm, byId: Map<string, DrItemState>, approvers: string[], at: string, sender?: OperatorIdentity) {
  const claimed = signer(signal);
  const by = sender ? recordedSender(sender, claimed) : claimed;
  const id = typeof signal?.item === 'string' ? signal.item : '';
  const note = typeof signal?.note === 'string' ? signal.note : undefined;
  const item = byId.get(id);
  const reason =
    (sender ? deciderRefusal(sender, claimed, approvers) : legacyRefusal(by, approvers)) ??
    (!item
      ? `no item "${id}"`
      : item.status === 'done'
        ? `already done${item.confirmedBy ? ` (confirmed by ${item.confirmedBy})` : ''}`
        : item.status === 'waiting'
          ? `it waits for ${item.dependsOn.filter((d) => byId.get(d)!.status !== 'done').join(', ')}`
          : item.status === 'running'
            ? 'it is running (automated)'
            : undefined);
  const confirmation: DrConfirmation = {
    item: id,
    by,
    ...(claimed && claimed !== by && { claimed }),
    ...(sender && { channel: sender.channel, evidence: sender.evidence }),
    note,
    at,
    accepted: !reason,
    ...(reason && { reason }),
  };
  return { confirmation, item: reason ? undefined : item };
}

/** A runbook item: a child incident, done when it recovers or has nothing to do. */
async function runRunbook(item: Extract<DrItem, { runbook: string }>, workflowId: string, runId: string): Promise<string> {
  const input: IncidentInput = { runbook: item.runbook, params: item.params, severity: item.severity, summary: `DR ${runId}: ${item.title}`, source: 'dr' };
  const record = await executeChild<(i: IncidentInput) => Promise<RecoveryRecord>>('incident', { workflowId, args: [input] });
  const outcome = `${record.status}${record.reason ? `: ${record.reason}` : ''}`;
  if (record.status !== 'recovered' && record.status !== 'not-needed') throw new Error(`incident ${workflowId} ended ${outcome}`);
  return `incident ${outcome}`;
}

/** The RPO from the newest verified backup of the cluster; a failed read is shown, not fatal. */
async function readRpo(cluster: string, startedMs: number): Promise<DrRpo> {
  try {
    const last = await shortReads<Pick<MysqlActivities, 'mysqlLastVerifiedBackup'>>().mysqlLastVerifiedBackup({ cluster });
    if (!last) return { cluster, detail: 'no verified backup: a restore has nothing known-good to start from' };
    const seconds = Math.round(secondsBetween(last.positionAt, startedMs));
    return {
      cluster,
      backup: last.id,
      positionAt: last.positionAt,
      verifiedAt: last.verifiedAt,
      seconds,
      detail: `backup ${last.id} (GTID ${last.gtid}) holds data up to ${last.positionAt}, verified ${last.verifiedAt}`,
    };
  } catch (err) {
    return { cluster, detail: `cannot read the backups: ${errorMessage(err)}` };
  }
}

/** An activity's result in a line of the report: small, so history and the report stay small. */
function brief(result: unknown): string {
  return result === undefined ? 'ok' : shortJson(result, 300);
}
