// Signals passed on to an incident's running runbook (approve/reject from people, a lifted block from the guard, alert
// changes from the gateway), and the runbook's pending approval shown on the incident.
import { setHandler, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { RunbookResult, SignalApproval } from '../common/types';
import type { AlertBook } from './alert-book';
import { alertSignal, alertStateSignal, approveSignal, blockLiftedSignal, rejectSignal, runbookApprovalSignal, type OverrideRequest } from './definitions';
import type { IncidentState } from './incident-state';

export type RunbookHandle = ChildWorkflowHandle<() => Promise<RunbookResult>>;

export class RunbookRelay {
  /** The rung's runbook while it runs. */
  child: RunbookHandle | undefined;
  // Kept for the rung's runbook when it has not started yet: it is told as it starts.
  private lifted: OverrideRequest | undefined;

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
    setHandler(approveSignal, (s) => this.forward('approve', s), {
      description: 'Approve the pending step. Payload: {"by": "<name>", "comment": "<why>"}',
    });
    setHandler(rejectSignal, (s) => this.forward('reject', s), {
      description: 'Reject the pending step; mend stands down. Payload: {"by": "<name>", "comment": "<why>"}',
    });
    setHandler(
      blockLiftedSignal,
      (lift) => {
        this.lifted = lift;
        state.mark('block lifted', `by ${String(lift?.by)}: ${String(lift?.reason)}`);
        if (this.child) void this.child.signal(blockLiftedSignal, lift).catch(() => undefined);
      },
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
    if (this.lifted) void h.signal(blockLiftedSignal, this.lifted).catch(() => undefined);
    this.state.runbookWorkflowId = h.workflowId;
    this.state.publish();
  }

  /** The rung's runbook ended: its approval and its block's lifting end with it. */
  ended(): void {
    this.child = undefined;
    this.state.approval = undefined;
    this.lifted = undefined; // it was for this rung's block: a later rung's block is a new one
  }

  private forward(name: 'approve' | 'reject', signal: SignalApproval): void {
    if (!this.child) {
      this.state.mark(`${name} ignored`, `no runbook is running (from ${String(signal?.by)})`);
      return;
    }
    this.state.mark(`${name} forwarded`, `from ${String(signal?.by)} to ${this.child.workflowId}`);
    void this.child.signal(name === 'approve' ? approveSignal : rejectSignal, signal).catch(() => undefined);
  }
}
