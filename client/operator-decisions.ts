// An authenticated operator's decision delivered to its workflow (approve/reject to an incident's runbook, override
// to a target's guard, confirm to a DR run), and what the workflow made of it: the gateway's side of the CLI, HTTP
// and chat. `sign` adds the gateway's attestation of who decided.
import type { Client } from '@temporalio/client';
import type { TimelineEntry } from '../common/types';
import { approveSignal, guardStateQuery, guardWorkflowId, rejectSignal, runbookStatusQuery } from '../workflows/definitions';
import { confirmSignal, drProgressQuery } from '../workflows/dr-definitions';
import { UsageError } from './usage-error';
import { readDrRun, readGuard, readIncident, signalAndAwaitAnswer } from './workflow-reads';

/** The attested payload of `signal` to `workflowId`. */
export type Sign = <P extends object>(workflowId: string, signal: string, payload: P) => P;

export interface DecisionAnswer {
  accepted: boolean;
  /** What the workflow recorded, for a person: "approved by alice (1/2 approvals so far)", "refused: ...". */
  text: string;
}

/** Approve or reject the approval an incident's runbook waits for, as `identity`. */
export async function decideIncident(
  client: Client,
  sign: Sign,
  identity: string,
  id: string,
  decision: 'approve' | 'reject',
  payload: { comment?: string; by?: string },
): Promise<DecisionAnswer> {
  const { incidentView, runbookView } = await readIncident(client, id);
  if (!runbookView?.approval) throw new UsageError(`incident ${id} is not waiting for approval`, 409);
  // Straight to the runbook that asked: a decision cannot land on a later rung.
  const runbookId = incidentView.runbookWorkflowId!;
  const handle = client.workflow.getHandle(runbookId);
  const seen = runbookView.approvals.length;
  const { view, recorded } = await signalAndAwaitAnswer(
    () => handle.signal(decision === 'approve' ? approveSignal : rejectSignal, sign(runbookId, decision, payload)),
    async () => {
      const view = await handle.query(runbookStatusQuery);
      const recorded = view.approvals.slice(seen).find((a) => a.by === identity && a.decision === decision);
      return recorded && { view, recorded };
    },
    `the ${decision} signal was sent but the incident did not record it within 10 s; check \`mend status ${id}\``,
  );
  const text = recorded.accepted
    ? `${decision === 'approve' ? 'approved' : 'rejected'} by ${recorded.by}` +
      (view.approval ? ` (${view.approval.approvedBy.length}/${view.approval.quorum} approvals so far)` : '')
    : `refused: ${recorded.reason}`;
  return { accepted: recorded.accepted, text };
}

/** Reset a target's budget, cooldown and blocks, as `identity`. */
export async function overrideTarget(client: Client, sign: Sign, identity: string, target: string, payload: { reason: string; by?: string }): Promise<DecisionAnswer> {
  const before = new Set((await readGuard(client, target)).history.map((h) => JSON.stringify(h)));
  const guardId = guardWorkflowId(target);
  const handle = client.workflow.getHandle(guardId);
  // The guard's answer: its first override entry about this approver that was not there before the signal (compared
  // by content, not by this host's clock, which may differ from the worker's).
  const answer = (h: TimelineEntry) => (h.event === 'override' || h.event === 'override refused') && !before.has(JSON.stringify(h)) && (h.detail ?? '').includes(identity);
  const entry = await signalAndAwaitAnswer(
    () => handle.signal('override', sign(guardId, 'override', payload)),
    async () => (await handle.query(guardStateQuery)).history.find(answer),
    `the override was sent but the guard did not record it within 10 s; check \`mend guard ${target}\``,
  );
  return { accepted: entry.event === 'override', text: `${entry.event === 'override' ? 'done' : 'refused'}: ${entry.detail}` };
}

/** Confirm a DR run's manual item, as `identity`. */
export async function confirmDrItem(client: Client, sign: Sign, identity: string, id: string, payload: { item: string; note?: string; by?: string }): Promise<DecisionAnswer> {
  const { view } = await readDrRun(client, id);
  const { item } = payload;
  if (!view.items.some((i) => i.id === item)) throw new UsageError(`run ${id} has no item "${item}" (items: ${view.items.map((i) => i.id).join(', ')})`, 404);
  const seen = view.confirmations.length;
  const handle = client.workflow.getHandle(id);
  const answer = await signalAndAwaitAnswer(
    () => handle.signal(confirmSignal, sign(id, 'confirm', payload)),
    async () => (await handle.query(drProgressQuery)).confirmations.slice(seen).find((c) => c.by === identity && c.item === item),
    `the confirmation was sent but run ${id} did not record it within 10 s; check \`mend dr status ${id}\``,
  );
  return { accepted: answer.accepted, text: answer.accepted ? `confirmed ${item} by ${identity}` : `refused: ${answer.reason}` };
}
