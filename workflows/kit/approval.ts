// Human approval by `approve` / `reject` signals: an allowlist, a quorum of distinct authenticated approvers (never
// the incident's own requester), a timeout.
import { condition, setHandler } from '@temporalio/workflow';
import type { ApprovalDecision, Duration, SignalApproval } from '../../common/types';
import { deciderRefusal, legacyRefusal, recordedSender, signer } from '../../common/approvers';
import type { OperatorIdentity } from '../../common/operator-identity';
import { toMs } from '../../common/duration';
import { approveSignal, blockLiftedSignal, rejectSignal, type ApprovalRequest, type OverrideRequest } from '../definitions';
import { OperatorSignals } from '../operator-signals';
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
  private earlyLift?: { request: OverrideRequest; sender?: OperatorIdentity };
  private readonly signals: OperatorSignals;

  /**
   * `incidentId`: the incident that relays its operators' signals here, with the sender it authenticated.
   * `requester`: who started the incident by hand, who may not approve it.
   */
  constructor(
    private readonly onChange: () => void,
    incidentId: string,
    private readonly requester?: string,
  ) {
    this.signals = new OperatorSignals(() => [incidentId]);
    const described = (what: string) => `${what} Payload: {"comment": "<why>"}; a "by" must name you as you signed in.`;
    const decision = (name: 'approve' | 'reject') => this.signals.handler(name, (s: SignalApproval, sender?: OperatorIdentity) => this.decide(name, s, sender));
    setHandler(approveSignal, decision('approve'), {
      description: described('Approve the pending step (counted as who you signed in as: Temporal UI, `mend approve` or chat).'),
    });
    setHandler(rejectSignal, decision('reject'), { description: described('Reject the pending step; mend stands down.') });
    setHandler(
      blockLiftedSignal,
      this.signals.handler('blockLifted', (s: OverrideRequest, sender?: OperatorIdentity) => this.liftBlock(s, sender)),
      { description: "The guard's block was lifted (sent by the incident): a pending approval that asks only because of it is given" },
    );
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
    const early = this.earlyLift;
    if (liftable && early && !this.refusal(early.request, approvers, early.sender)) {
      this.lifted = this.record(early.request, 'approve', `block lifted: ${early.request.reason}`, early.sender);
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

  private liftBlock(signal: OverrideRequest, sender?: OperatorIdentity): void {
    const request = { ...signal, reason: typeof signal?.reason === 'string' ? signal.reason : '' };
    const comment = `block lifted: ${request.reason}`;
    if (!this.pending) {
      this.earlyLift = { request, sender };
      return;
    }
    const refusal = this.refusal(request, this.pending.approvers, sender) ?? (this.pending.liftable ? undefined : 'the pending approval is asked for more than the block');
    const entry = this.record(request, 'approve', comment, sender, refusal);
    if (!refusal) this.lifted = entry;
    this.onChange();
  }

  /** Why the signal's sender may not decide under this allowlist (replays of unauthenticated runs: its "by"). */
  private refusal(signal: { by?: unknown }, approvers: string[], sender?: OperatorIdentity, decision = 'approve'): string | undefined {
    return sender ? deciderRefusal(sender, signer(signal), approvers, this.requester, decision) : legacyRefusal(signer(signal), approvers);
  }

  private record(signal: { by?: unknown }, decision: 'approve' | 'reject', comment: string | undefined, sender?: OperatorIdentity, reason?: string): ApprovalDecision {
    const claimed = signer(signal);
    const by = sender ? recordedSender(sender, claimed) : claimed || '(missing)';
    const entry: ApprovalDecision = {
      by,
      ...(claimed && claimed !== by && { claimed }),
      ...(sender && { channel: sender.channel, evidence: sender.evidence }),
      comment,
      decision,
      at: new Date().toISOString(),
      accepted: !reason,
      reason,
    };
    this.decisions.push(entry);
    return entry;
  }

  private decide(decision: 'approve' | 'reject', signal: SignalApproval, sender?: OperatorIdentity): void {
    const comment = typeof signal?.comment === 'string' ? signal.comment : undefined;
    const pending = this.pending;
    const refusal = !pending ? 'nothing is waiting for approval' : this.refusal(signal, pending.approvers, sender, decision);
    const entry = this.record(signal, decision, comment, sender, refusal);
    if (refusal || !pending) {
      this.onChange();
      return;
    }
    if (decision === 'reject') this.rejection = entry;
    else if (pending.approvedBy.includes(entry.by)) {
      entry.accepted = false;
      entry.reason = `${entry.by} already approved; the quorum needs distinct approvers`;
    } else {
      pending.approvedBy.push(entry.by);
      if (pending.approvedBy.length < pending.quorum) this.waiting(pending);
    }
    this.onChange();
  }
}

/** How a pending approval reads in a workflow's current details (the runbook's and its incident's). */
export function describeApproval(a: ApprovalRequest): string[] {
  return [
    `Waiting for approval (${a.approvedBy.length}/${a.quorum}) until ${a.deadline}: ${a.reason}`,
    `Who may approve: ${a.approvers.join(', ') || 'nobody (policy.approval.approvers is empty)'}. Signed in to the Temporal UI, send signal \`approve\` or \`reject\` with {"comment": "..."}; or \`mend approve\`.`,
  ];
}
