// Signals passed on to an incident's running runbook (approve/reject from people, a lifted block from the guard, alert
// changes from the gateway), and the runbook's pending approval shown on the incident.
import { setHandler, type ChildWorkflowHandle } from '@temporalio/workflow';
import { recordedSender, signer } from '../common/approvers';
import type { OperatorIdentity } from '../common/operator-identity';
import type { RunbookResult, SignalApproval } from '../common/types';
import type { AlertBook } from './alert-book';
import { alertSignal, alertStateSignal, approveSignal, blockLiftedSignal, guardWorkflowId, rejectSignal, runbookApprovalSignal, type OverrideRequest } from './definitions';
import type { IncidentState } from './incident-state';
import { OperatorSignals, relayOf } from './operator-signals';

export type RunbookHandle = ChildWorkflowHandle<() => Promise<RunbookResult>>;

export class RunbookRelay {
  /** The rung's runbook while it runs. */
  child: RunbookHandle | undefined;
  // Kept for the rung's runbook when it has not started yet: it is told as it starts.
  private lifted: { lift: OverrideRequest; sender?: OperatorIdentity } | undefined;

  /** Handles the signals from here on. */
  constructor(
    private readonly state: IncidentState,
    alerts: AlertBook | undefined,
  ) {
    setHandler(
      runbookApprovalSignal,
      (pending) => {
        state.approval = pending ?? undefined;
        state.publish();
      },
      { description: 'The running runbook started (the request) or stopped (null) waiting for approval' },
    );
    const operators = new OperatorSignals(() => [guardWorkflowId(state.target)]);
    const decision = (name: 'approve' | 'reject') => operators.handler(name, (s: SignalApproval, sender?: OperatorIdentity) => this.forward(name, s, sender));
    setHandler(approveSignal, decision('approve'), {
      description: 'Approve the pending step (counted as who you signed in as: Temporal UI, `mend approve` or chat). Payload: {"comment": "<why>"}',
    });
    setHandler(rejectSignal, decision('reject'), {
      description: 'Reject the pending step; mend stands down. Payload: {"comment": "<why>"}',
    });
    setHandler(
      blockLiftedSignal,
      operators.handler('blockLifted', (lift: OverrideRequest, sender?: OperatorIdentity) => this.lift(lift, sender)),
      { description: "The target guard's block on this runbook was lifted (sent by the guard)" },
    );

    if (alerts) {
      setHandler(
        alertSignal,
        (delivery) => {
          const change = alerts.record(delivery);
          if (!change) return state.publish();
          state.mark(change.firing ? 'alert firing again' : 'alert resolved', change.detail);
          if (this.child) void this.child.signal(alertStateSignal, change).catch(() => undefined);
        },
        { description: 'Alert notifications from the gateway (firing or resolved), one incident per incident key' },
      );
    }
  }

  /** The rung's runbook started: told of a block lifted before it did. */
  started(h: RunbookHandle): void {
    this.child = h;
    if (this.lifted) this.passLift(h);
    this.state.runbookWorkflowId = h.workflowId;
    this.state.publish();
  }

  /** The rung's runbook ended: its approval and its block's lifting end with it. */
  ended(): void {
    this.child = undefined;
    this.state.approval = undefined;
    this.lifted = undefined; // it was for this rung's block: a later rung's block is a new one
  }

  private passLift(child: RunbookHandle): void {
    const { lift, sender } = this.lifted!;
    void child.signal(blockLiftedSignal, sender ? { ...lift, relay: relayOf(sender, runOf(child)) } : lift).catch(() => undefined);
  }

  /** A lift from the guard, passed on with the sender the guard authenticated (and this incident confirmed). */
  private lift(lift: OverrideRequest, sender?: OperatorIdentity): void {
    this.lifted = { lift, sender };
    this.state.mark('block lifted', `by ${sender ? recordedSender(sender, signer(lift)) : String(lift?.by)}: ${String(lift?.reason)}`);
    if (this.child) this.passLift(this.child);
  }

  private forward(name: 'approve' | 'reject', signal: SignalApproval, sender?: OperatorIdentity): void {
    const from = sender ? recordedSender(sender, signer(signal)) : String(signal?.by);
    if (!this.child) {
      this.state.mark(`${name} ignored`, `no runbook is running (from ${from})`);
      return;
    }
    this.state.mark(`${name} forwarded`, `from ${from} to ${this.child.workflowId}`);
    // Authenticated here: what the runbook gets is the decision and the sender (not the proof, which names this workflow).
    const relayed = sender ? { by: signal?.by, comment: signal?.comment, relay: relayOf(sender, runOf(this.child)) } : signal;
    void this.child.signal(name === 'approve' ? approveSignal : rejectSignal, relayed).catch(() => undefined);
  }
}

const runOf = (child: RunbookHandle) => ({ workflowId: child.workflowId, runId: child.firstExecutionRunId });
