// Human approval by `approve` / `reject` signals: an allowlist, a quorum of distinct approvers, a timeout.
import { condition, setHandler } from '@temporalio/workflow';
import type { ApprovalDecision, Duration, SignalApproval } from '../../common/types';
import { approverRefusal, signer } from '../../common/approvers';
import { toMs } from '../../common/duration';
import { approveSignal, blockLiftedSignal, rejectSignal, type ApprovalRequest, type OverrideRequest } from '../definitions';
import { approvalTimedOut, refused, rejected } from './errors';

export interface ApprovalOptions {
  reason: string;
  approvers: string[];
  quorum: number;
  timeout: Duration;
  /** The approval asks only because the guard blocks the runbook: an allowed approver lifting the block gives it. */
  liftable?: boolean;
}

export class ApprovalGate {
  readonly decisions: ApprovalDecision[] = [];
  pending?: ApprovalRequest;
  private rejection?: ApprovalDecision;
  private lifted?: ApprovalDecision;
  private waiting: (pending: ApprovalRequest | null) => void = () => undefined;
  /** A lift that came before any liftable approval was asked: it gives the next one, if its sender may approve. */
  private earlyLift?: OverrideRequest;

  constructor(private readonly onChange: () => void) {
    setHandler(approveSignal, (s) => this.decide('approve', s), {
      description: 'Approve the pending step. Payload: {"by": "<name>", "comment": "<why>"}',
    });
    setHandler(rejectSignal, (s) => this.decide('reject', s), {
      description: 'Reject the pending step; mend stands down. Payload: {"by": "<name>", "comment": "<why>"}',
    });
    setHandler(blockLiftedSignal, (s) => this.liftBlock(s), {
      description: "The guard's block was lifted (sent by the incident): a pending approval that asks only because of it is given",
    });
  }

  /**
   * Resolves once a quorum approves; throws when an allowed approver rejects or the timeout passes. `waiting` hears
   * the request when the wait starts, again after each approval short of the quorum, and null when it ends.
   */
  async request(options: ApprovalOptions, waiting: (pending: ApprovalRequest | null) => void = () => undefined): Promise<void> {
    const { reason, approvers, quorum, timeout, liftable } = options;
    if (approvers.length < quorum) {
      throw refused(`approval needs ${quorum} approver(s) but only ${approvers.length} are allowed: ${reason}`);
    }
    this.rejection = undefined;
    this.lifted = undefined;
    if (liftable && this.earlyLift && approvers.includes(this.earlyLift.by)) {
      this.lifted = this.record(this.earlyLift.by, 'approve', `block lifted: ${this.earlyLift.reason}`, true);
      this.onChange();
      return;
    }
    this.pending = {
      reason,
      approvers,
      quorum,
      deadline: new Date(Date.now() + toMs(timeout)).toISOString(),
      approvedBy: [],
      ...(liftable && { liftable }),
    };
    this.onChange();
    const pending = this.pending;
    this.waiting = waiting;
    waiting(pending);
    try {
      const decided = await condition(() => pending.approvedBy.length >= quorum || !!this.rejection || !!this.lifted, timeout);
      if (this.rejection) {
        const { by, comment } = this.rejection;
        throw rejected(`rejected by ${by}${comment ? `: ${comment}` : ''}`);
      }
      if (!decided) {
        throw approvalTimedOut(`no quorum within ${timeout} (${pending.approvedBy.length}/${quorum} approvals): ${reason}`);
      }
    } finally {
      this.pending = undefined;
      this.onChange();
      waiting(null);
    }
  }

  private liftBlock(signal: OverrideRequest): void {
    const reason = typeof signal?.reason === 'string' ? signal.reason : '';
    const { by, record, refusal } = this.judge('approve', { by: signal?.by, comment: `block lifted: ${reason}` });
    if (by && !this.pending) this.earlyLift = { by, reason };
    else if (refusal) record(false, refusal);
    else if (!this.pending!.liftable) record(false, 'the pending approval is asked for more than the block');
    else this.lifted = record(true);
    this.onChange();
  }

  /** Who sent the decision, how to record it, and why it cannot count (no name, nothing pending, not allowed). */
  private judge(decision: 'approve' | 'reject', signal: SignalApproval) {
    const by = signer(signal);
    const comment = typeof signal?.comment === 'string' ? signal.comment : undefined;
    const record = (accepted: boolean, reason?: string) => this.record(by || '(missing)', decision, comment, accepted, reason);
    const pending = this.pending;
    const refusal = by && !pending ? 'nothing is waiting for approval' : approverRefusal(by, pending?.approvers ?? []);
    return { by, record, refusal };
  }

  private record(by: string, decision: 'approve' | 'reject', comment: string | undefined, accepted: boolean, reason?: string): ApprovalDecision {
    const entry = { by, comment, decision, at: new Date().toISOString(), accepted, reason };
    this.decisions.push(entry);
    return entry;
  }

  private decide(decision: 'approve' | 'reject', signal: SignalApproval): void {
    const { by, record, refusal } = this.judge(decision, signal);
    const pending = this.pending!;
    if (refusal) record(false, refusal);
    else if (decision === 'reject') this.rejection = record(true);
    else if (pending.approvedBy.includes(by)) record(false, `${by} already approved; the quorum needs distinct approvers`);
    else {
      pending.approvedBy.push(by);
      record(true);
      if (pending.approvedBy.length < pending.quorum) this.waiting(pending);
    }
    this.onChange();
  }
}

/** How a pending approval reads in a workflow's current details (the runbook's and its incident's). */
export function describeApproval(a: ApprovalRequest): string[] {
  return [
    `Waiting for approval (${a.approvedBy.length}/${a.quorum}) until ${a.deadline}: ${a.reason}`,
    `Who may approve: ${a.approvers.join(', ') || 'nobody (policy.approval.approvers is empty)'}. Send signal \`approve\` or \`reject\` with {"by": "<name>", "comment": "..."}`,
  ];
}
