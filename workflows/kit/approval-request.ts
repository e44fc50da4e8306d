// What a runbook's approval asks for: its own approvers, quorum and timeout, made no laxer than the policy's when
// the approval the policy wants before acting is asked with it.
import { toMs } from '../../common/duration';
import type { Duration, SafetyPolicy } from '../../common/types';
import type { ApprovalOptions } from './approval';

export interface ApprovalTerms {
  approvers?: string[];
  quorum?: number;
  timeout?: Duration;
}

/** `due` is set when the policy's approval is in this one; it is liftable only if every reason is the guard's block. */
export function approvalRequest(policy: SafetyPolicy['approval'], reason: string, ask: ApprovalTerms, due?: { liftable: boolean }): ApprovalOptions {
  const approvers = ask.approvers ?? policy.approvers;
  const timeout = ask.timeout ?? policy.timeout;
  if (!due) return { reason, approvers, quorum: ask.quorum ?? policy.quorum, timeout };
  return {
    reason,
    approvers: approvers.filter((a) => policy.approvers.includes(a)),
    quorum: Math.max(ask.quorum ?? 0, policy.quorum),
    timeout: toMs(timeout) < toMs(policy.timeout) ? timeout : policy.timeout,
    liftable: due.liftable,
  };
}
