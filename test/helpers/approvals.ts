// Deciding as a named operator the way the gateway does once it has checked the operator's token: a signal with the
// gateway's attestation, signed here with the suite's key. For tests whose subject is the runbook, not the sign-in
// (those use Dex, the Temporal UI and the gateway: test/approvals-*.test.ts).
import type { WorkflowHandle } from '@temporalio/client';
import { attest } from '../../common/attestation';

const key = () => Buffer.from(process.env.MEND_APPROVAL_KEY!);

/** `payload` as the gateway sends it to a workflow's run (`runId`), or to start it (signal "start", no run). */
export function attested<P extends object>(workflowId: string, signal: string, identity: string, payload: P, runId?: string) {
  return attest(key(), payload, { workflowId, runId, signal, identity, groups: [], channel: 'http', evidence: 'attested by the test suite' });
}

/** Sends `approve` (or `reject`) as `identity` to an incident or a runbook. */
export function decideAs(handle: WorkflowHandle, identity: string, payload: { comment?: string; by?: string } = {}, decision: 'approve' | 'reject' = 'approve') {
  return signalAs(handle, decision, identity, payload);
}

/** Sends any operator's signal (`override`, `confirm`, ...) as `identity`, to the run the workflow has now. */
export async function signalAs(handle: WorkflowHandle, signal: string, identity: string, payload: object) {
  const { runId } = await handle.describe();
  return handle.signal(signal, attested(handle.workflowId, signal, identity, payload, runId));
}
