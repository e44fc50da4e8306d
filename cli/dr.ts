// `mend dr ...`: start a DR checklist run, confirm its manual items, show its progress and report.
import { workflowLink } from '../common/workflow-link';
import { defaultChecklistPath, loadChecklist } from '../config/dr-load';
import { drChecklist } from '../workflows/dr-checklist';
import { drReportQuery, type DrInput } from '../workflows/dr-definitions';
import { renderDrProgress } from '../workflows/dr-render';
import type { Session } from './session';
import { timelineLine } from './render';
import { UsageError } from '../client/usage-error';
import { describeDrRun, readDrRun } from '../client/workflow-reads';
import { postDecision } from './gateway-calls';
import { newWorkflowId } from '../client/workflow-ids';

export interface DrOptions {
  checklist?: string;
  summary?: string;
  by?: string;
  note?: string;
  json: boolean;
}

export const drUsage = `  dr start [--checklist FILE] [--summary TEXT] [--json]
                                             start a DR checklist run (default config/dr-checklist.yaml)
  dr status <run-id> [--json]                progress per phase, what waits for whom, RTO and RPO
  dr confirm <run-id> <item> [--note TEXT]    confirm a manual item, as the signed-in approver
  dr report <run-id>                         the run's Markdown report (final once it ends)`;

/** Runs a `dr` subcommand; returns the exit code (3: a confirmation refused). */
export async function drCommand(session: Session, args: string[], options: DrOptions): Promise<number> {
  const [sub, ...rest] = args;
  const ids = (n: number, what: string) => {
    if (rest.length !== n) throw new UsageError(`dr ${sub} takes ${what}`);
    return rest;
  };
  switch (sub) {
    case 'start':
      ids(0, 'no arguments');
      await startDr(session, options);
      return 0;
    case 'status':
      await showDrStatus(session, ids(1, 'a run id')[0], options.json);
      return 0;
    case 'confirm': {
      const [id, item] = ids(2, 'a run id and an item id');
      return (await confirmDr(session, id, item, options)) ? 0 : 3;
    }
    case 'report': {
      await reportDr(session, ids(1, 'a run id')[0]);
      return 0;
    }
    default:
      throw new UsageError(`dr needs start, status, confirm or report\n\n${drUsage}`);
  }
}

async function startDr(session: Session, options: DrOptions): Promise<void> {
  const checklist = loadChecklist(options.checklist ?? defaultChecklistPath());
  const id = newWorkflowId('dr');
  const input: DrInput = { checklist, summary: options.summary };
  const { config } = session;
  await (await session.client()).workflow.start(drChecklist, {
    workflowId: id,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    staticSummary: `DR: ${checklist.name} (${checklist.items.length} items, RTO ${checklist.rto})`,
    staticDetails: options.summary,
  });
  const link = workflowLink(config.temporal.uiUrl, config.temporal.namespace, id);
  session.out(options.json ? JSON.stringify({ runId: id, ui: link }) : `started DR run ${id} (${checklist.name}, RTO ${checklist.rto})\n${link}`);
}

export async function showDrStatus(session: Session, id: string, json: boolean): Promise<void> {
  const { view } = await readDrRun(await session.client(), id);
  if (json) return session.out(JSON.stringify(view, null, 2));
  const recent = view.timeline.slice(-8).map((t) => `- ${timelineLine(t)}`);
  session.out([renderDrProgress(view), '', 'Recent:', ...recent].join('\n'));
}

/** Sends `confirm` through the gateway, as the signed-in operator; reports whether the run accepted it. */
function confirmDr(session: Session, id: string, item: string, options: DrOptions): Promise<boolean> {
  return postDecision(session, `/dr/${encodeURIComponent(id)}/confirmations`, { item, note: options.note, by: options.by?.trim() || undefined });
}

/** The report: a completed run's from its result (no worker needed), a running one's from the `report` query. */
async function reportDr(session: Session, id: string): Promise<void> {
  const client = await session.client();
  const handle = client.workflow.getHandle<typeof drChecklist>(id);
  const status = (await describeDrRun(client, id)).status.name;
  const report = status === 'COMPLETED' ? (await handle.result()).report : await handle.query(drReportQuery);
  session.out(report.trimEnd());
}
