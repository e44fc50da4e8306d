// Human approval by `approve` / `reject` signals: an allowlist, a quorum of distinct approvers, a timeout.
import { condition, setHandler } from '@temporalio/workflow';
import type { ApprovalDecision, Duration, SignalApproval } from '../../common/types';
import { toMs } from '../../common/duration';
import { approveSignal, rejectSignal, type ApprovalRequest } from '../definitions';
import { approvalTimedOut, refused, rejected } from './errors';

export interface ApprovalOptions {
  reason: string;
  approvers: string[];
  quorum: number;
  timeout: Duration;
}

export class ApprovalGate {
  readonly decisions: ApprovalDecision[] = [];
  pending?: ApprovalRequest;
  private rejection?: ApprovalDecision;

  constructor(private readonly onChange: () => void) {
    setHandler(approveSignal, (s) => this.decide('approve', s), {
      description: 'Approve the pending step. Payload: {"by": "<name>", "comment": "<why>"}',
    });
    setHandler(rejectSignal, (s) => this.decide('reject', s), {
      description: 'Reject the pending step; mend stands down. Payload: {"by": "<name>", "comment": "<why>"}',
    });
  }

  /** Resolves once a quorum approves; throws when an allowed approver rejects or the timeout passes. */
  async request(options: ApprovalOptions): Promise<void> {
    const { reason, approvers, quorum, timeout } = options;
    if (approvers.length < quorum) {
      throw refused(`approval needs ${quorum} approver(s) but only ${approvers.length} are allowed: ${reason}`);
    }
    this.rejection = undefined;
    this.pending = {
      reason,
      approvers,
      quorum,
      deadline: new Date(Date.now() + toMs(timeout)).toISOString(),
      approvedBy: [],
    };
    this.onChange();
    const pending = this.pending;
    try {
      const decided = await condition(() => pending.approvedBy.length >= quorum || !!this.rejection, timeout);
      if (this.rejection) {
        const { by, comment } = this.rejection;
        throw rejected(`rejected by ${by}${comment ? `: ${comment}` : ''}`);
      }
      if (!decided) {
        throw approvalTimedOut(
          `no quorum within ${timeout} (${pending.approvedBy.length}/${quorum} approvals): ${reason}`,
        );
      }
    } finally {
      this.pending = undefined;
      this.onChange();
    }
  }

  private decide(decision: 'approve' | 'reject', signal: SignalApproval): void {
    const by = typeof signal?.by === 'string' ? signal.by.trim() : '';
    const comment = typeof signal?.comment === 'string' ? signal.comment : undefined;
    const record = (accepted: boolean, reason?: string) =>
      this.decisions.push({ by: by || '(missing)', comment, decision, at: new Date().toISOString(), accepted, reason });
    const pending = this.pending;
    if (!by) record(false, 'the signal needs a "by" field naming the approver');
    else if (!pending) record(false, 'nothing is waiting for approval');
    else if (!pending.approvers.includes(by)) record(false, `${by} is not an allowed approver`);
    else if (decision === 'reject') {
      record(true);
      this.rejection = this.decisions[this.decisions.length - 1];
    } else if (pending.approvedBy.includes(by)) record(false, `${by} already approved; the quorum needs distinct approvers`);
    else {
      pending.approvedBy.push(by);
      record(true);
    }
    this.onChange();
  }
}
