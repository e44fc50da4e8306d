// What a runbook's code is given: durable steps with undo (saga), approval, stabilization, closed-loop
// verification, notes and typed activities. The engine's bookkeeping stays in RunbookRun.
import { proxyActivities, sleep, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import { errorMessage } from '../../common/error-message';
import { toMs } from '../../common/duration';
import type { Duration, SafetyPolicy, StepRecord, VerificationRecord } from '../../common/types';
import { longActivityTimeouts, policyActivityOptions, type LongActivity } from '../activity-options';
import { changed, runbookChanged } from '../patches';
import { approvalRequest, type ApprovalTerms } from './approval-request';
import { refused, stoodDown, verificationFailed } from './errors';
import { now, type RunbookRun } from './run';

export interface StepOptions<O> {
  /**
   * Marks a step that destroys state: the policy refuses it unless it has an undo, and it is not taken once the
   * incident's alert has resolved.
   */
  destructive?: boolean;
  /**
   * Restores what the step changed. Registered when the step starts, so a step that failed partway is undone
   * too (then `result` is undefined): an undo must be idempotent and work without the result.
   */
  undo?: (result: O | undefined) => Promise<unknown>;
  /**
   * For a destructive step with no undo of its own: what restores the state it destroys (e.g. "its ReplicaSet
   * recreates the pod"). The policy then allows the step, and the record says who makes it whole.
   */
  restoredBy?: string;
}

export interface CheckResult<E = unknown> {
  ok: boolean;
  evidence: E;
}

export interface VerifyOptions {
  within: Duration;
  every?: Duration;
}

export interface ApprovalAsk extends ApprovalTerms {
  /** What the approver decides. Omitted: only the approval the policy wants before acting, if it wants one. */
  reason?: string;
  /** Reads again, after a human approved, what the decision rests on: the system may have changed meanwhile. */
  recheck?: () => Promise<unknown>;
}

type DryRunnable = { dryRun?: boolean };

export class RunbookKit {
  readonly dryRun: boolean;
  readonly incidentId: string;
  readonly target: string;
  readonly #run: RunbookRun;

  constructor(run: RunbookRun) {
    this.#run = run;
    this.dryRun = run.input.dryRun;
    this.incidentId = run.input.incidentId;
    this.target = run.input.target;
  }

  /** The safety policy this runbook runs under. */
  get policy(): SafetyPolicy {
    return this.#run.input.policy;
  }

  /** Activity stubs with the safety policy's bounded retries; `waitsUpTo` for activities that wait and heartbeat. */
  activities<A>(long?: LongActivity): ActivityInterfaceFor<A> {
    return proxyActivities<A>(policyActivityOptions(this.policy, long && longActivityTimeouts(long)));
  }

  /** Runs one state-changing activity and registers its undo. In dry-run the activity only plans. */
  async step<I extends object, O>(name: string, action: (input: I & DryRunnable) => Promise<O>, input: I, options: StepOptions<O> = {}): Promise<O> {
    const run = this.#run;
    const { destructive = false, undo, restoredBy } = options;
    if (destructive && !undo && !restoredBy && this.policy.refuseDestructiveWithoutUndo) {
      throw refused(`step "${name}" is destructive and has no undo; the safety policy refuses it`);
    }
    await this.#askDue();
    if (destructive && !this.dryRun && run.alertResolved) {
      throw stoodDown(`the alert is no longer firing (${run.alertResolved}); step "${name}" was not taken`);
    }
    const record: StepRecord = { name, destructive, hasUndo: !!undo, restoredBy, status: 'planned', startedAt: now() };
    run.steps.push(record);
    run.enter(name, undefined);
    let result: O | undefined;
    if (undo && !this.dryRun) run.compensations.push({ step: record, run: () => undo(result) });
    try {
      result = await action({ ...input, dryRun: this.dryRun });
      record.result = result;
      record.endedAt = now();
      if (!this.dryRun) {
        record.status = 'done';
        run.fixedAt = record.endedAt;
        run.notify('action-taken', name);
      }
      return result;
    } catch (err) {
      record.status = 'failed';
      record.endedAt = now();
      record.error = errorMessage(err);
      throw err;
    } finally {
      run.enter(undefined, undefined);
    }
  }

  /**
   * Asks now, in one approval, `reason` and whatever the policy wants approved before acting (otherwise asked at
   * the first step); once an approval was given (or listed, in dry-run) runs `recheck`. Resolves to whether one was
   * asked; rejection or timeout stops the runbook. With the policy's approval in it, the runbook's own approvers,
   * quorum and timeout can only make it stricter.
   */
  async approval(ask: ApprovalAsk = {}): Promise<boolean> {
    const run = this.#run;
    if (changed('approvalJoinsDue', run.input.runbook)) return this.#askDue(ask);
    // Failovers recorded before: their reason asked alone, then the policy's, and nothing read again.
    if (ask.reason) await run.askApproval(approvalRequest(this.policy.approval, ask.reason, ask));
    return (await this.#askDue()) || !!ask.reason;
  }

  /** An id unique to this runbook run, for data a step and its undo share (e.g. a snapshot). */
  uniqueId(label: string): string {
    const { workflowId, runId } = workflowInfo();
    return `${workflowId}.${runId}.${label}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /**
   * Whether this run has the runbook's change `id` (Temporal's patched()): new runs do, runs recorded before the
   * change replay without it. Branch on it when a change alters the steps, activities, timers or approvals a
   * running runbook would replay; give each change its own id, never reused.
   */
  changed(id: string): boolean {
    return runbookChanged(this.#run.input.runbook, id);
  }

  /** Holds this runbook back on its target for a while after it ends (anti-flapping); the guard keeps the block. */
  blockTarget(duration: Duration, reason: string): void {
    if (!this.dryRun) this.#run.block = { runbook: this.#run.input.runbook, forMs: toMs(duration), reason };
  }

  /** A durable timer that lets the system settle before verification. */
  async stabilize(duration: Duration): Promise<void> {
    if (this.dryRun) return this.note(`would wait ${duration} to stabilize`);
    this.#run.enter(undefined, `stabilization for ${duration}`);
    await sleep(duration);
    this.#run.enter(undefined, undefined);
  }

  /** Checks until ok or the deadline passes; a failed verification stops the runbook and undoes its steps. */
  async verify<E>(name: string, check: () => Promise<CheckResult<E>>, options: VerifyOptions): Promise<void> {
    if (this.dryRun) return this.note(`would verify "${name}" within ${options.within}`);
    const run = this.#run;
    const every = options.every ?? '5s';
    const deadline = Date.now() + toMs(options.within);
    const record: VerificationRecord = { name, ok: false, checks: 0, at: now() };
    run.verifications.push(record);
    run.enter(undefined, `verification: ${name}`);
    try {
      for (;;) {
        const { ok, evidence } = await check();
        record.checks++;
        record.evidence = evidence;
        record.at = now();
        if (ok) {
          record.ok = true;
          run.verifiedAt = record.at;
          return;
        }
        if (Date.now() + toMs(every) > deadline) break;
        await sleep(every);
      }
    } finally {
      run.enter(undefined, undefined);
    }
    throw verificationFailed(`verification "${name}" did not pass within ${options.within}`);
  }

  /** Records a line in the result without acting (shown in dry-run plans). */
  note(text: string): void {
    this.#run.note(text);
  }

  /** The approval due before acting, joined with the runbook's own reason if it gives one. */
  async #askDue(ask: ApprovalAsk = {}): Promise<boolean> {
    const due = this.#run.takeDue();
    const reasons = [...(due?.reasons ?? []), ...(ask.reason ? [ask.reason] : [])];
    if (!reasons.length) return false;
    await this.#run.askApproval(approvalRequest(this.policy.approval, reasons.join('; '), ask, due && { liftable: !ask.reason && due.liftable }));
    await ask.recheck?.();
    return true;
  }
}
