// An authenticated operator's decision delivered to its workflow (approve/reject to an incident's runbook, override
// to a target's guard, confirm to a DR run), and what the workflow made of it: the gateway's side of the CLI, HTTP
// and chat. `sign` adds the gateway's attestation of who decided.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TimelineEntry } from '../common/types';
import { waitFor } from '../common/wait-for';
import { approveSignal, guardStateQuery, guardWorkflowId, rejectSignal, runbookStatusQuery } from '../workflows/definitions';
import { confirmSignal, drProgressQuery } from '../workflows/dr-definitions';
import { UsageError } from './usage-error';
import { readDrRun, readGuard, readIncident } from './workflow-reads';

/** The attested payload of `signal` to a workflow's run (no run: a start). */
export type Sign = <P extends object>(to: { workflowId: string; runId?: string }, signal: string, payload: P) => P;

/**
 * Sends a signal, then reads the workflow until it shows what it made of it (10 s at most); undefined when it did not
 * in time (the worker may be busy or down: the decision may count later).
 */
async function sendAndAwait<T>(send: () => Promise<void>, answer: () => Promise<T | undefined>): Promise<T | undefined> {
  await send();
  return waitFor(answer, 'the workflow to record it', 10_000).catch(() => undefined);
}

const unrecorded = (check: string): DecisionAnswer => ({ accepted: false, pending: true, text: `sent, but not recorded within 10 s; check \`${check}\`` });

/** Whether a decision recorded after the send is this sender's: as authenticated, or unauthenticated (a bad proof). */
const mine = (by: string, identity: string) => by === identity || by.startsWith('unauthenticated');

/** The run a signal goes to now: an attestation is good for it alone. */
const runOf = async (handle: WorkflowHandle) => ({ workflowId: handle.workflowId, runId: (await handle.describe()).runId });

export interface DecisionAnswer {
  accepted: boolean;
  /** Sent, but the workflow did not record it in time (it may yet). */
  pending?: boolean;
  /** What the workflow recorded, for a person: "approved by alice (1/2 approvals so far)", "refused: ...". */
  text: string;
}

/** Approve or reject the approval an incident's runbook waits for (the one asked until `asked`, if given), as `identity`. */
export async function decideIncident(
  client: Client,
  sign: Sign,
  identity: string,
  id: string,
  decision: 'approve' | 'reject',
  payload: { comment?: string; by?: string },
  asked?: string,
): Promise<DecisionAnswer> {
  const { incidentView, runbookView } = await readIncident(client, id);
  if (!runbookView?.approval) throw new UsageError(`incident ${id} is not waiting for approval`, 409);
  if (asked && runbookView.approval.deadline !== asked) throw new UsageError(`the approval asked until ${asked} is no longer pending in incident ${id}`, 409);
  // Straight to the runbook that asked: a decision cannot land on a later rung.
  const runbookId = incidentView.runbookWorkflowId!;
  const handle = client.workflow.getHandle(runbookId);
  const seen = runbookView.approvals.length;
  const answer = await sendAndAwait(
    async () => handle.signal(decision === 'approve' ? approveSignal : rejectSignal, sign(await runOf(handle), decision, payload)),
    async () => {
      const view = await handle.query(runbookStatusQuery);
      const recorded = view.approvals.slice(seen).find((a) => mine(a.by, identity) && a.decision === decision);
      return recorded && { view, recorded };
    },
  );
  if (!answer) return unrecorded(`mend status ${id}`);
  const { view, recorded } = answer;
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
  const named = new RegExp(`(^|[ (])(${escapeRegExp(identity)}|unauthenticated)([:) ]|$)`);
  const answer = (h: TimelineEntry) => (h.event === 'override' || h.event === 'override refused') && !before.has(JSON.stringify(h)) && named.test(h.detail ?? '');
  const entry = await sendAndAwait(
    async () => handle.signal('override', sign(await runOf(handle), 'override', payload)),
    async () => (await handle.query(guardStateQuery)).history.find(answer),
  );
  if (!entry) return unrecorded(`mend guard ${target}`);
  return { accepted: entry.event === 'override', text: `${entry.event === 'override' ? 'done' : 'refused'}: ${entry.detail}` };
}

/** Confirm a DR run's manual item, as `identity`. */
export async function confirmDrItem(client: Client, sign: Sign, identity: string, id: string, payload: { item: string; note?: string; by?: string }): Promise<DecisionAnswer> {
  const { view } = await readDrRun(client, id);
  const { item } = payload;
  if (!view.items.some((i) => i.id === item)) throw new UsageError(`run ${id} has no item "${item}" (items: ${view.items.map((i) => i.id).join(', ')})`, 404);
  const seen = view.confirmations.length;
  const handle = client.workflow.getHandle(id);
  const answer = await sendAndAwait(
    async () => handle.signal(confirmSignal, sign(await runOf(handle), 'confirm', payload)),
    async () => (await handle.query(drProgressQuery)).confirmations.slice(seen).find((c) => mine(c.by, identity) && c.item === item),
  );
  if (!answer) return unrecorded(`mend dr status ${id}`);
  return { accepted: answer.accepted, text: answer.accepted ? `confirmed ${item} by ${identity}` : `refused: ${answer.reason}` };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
