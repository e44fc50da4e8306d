// The runbook kit: durable steps with undo (saga), approval, stabilization, closed-loop verification, dry-run.
import {
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityInterfaceFor,
} from '@temporalio/workflow';
import { errorMessage } from '../../common/error-message';
import { statusKey } from '../../common/search-attributes';
import { toMs } from '../../common/duration';
import type {
  Duration,
  RunbookInput,
  RunbookResult,
  RunbookStatus,
  SafetyPolicy,
  StepRecord,
  TargetBlock,
  VerificationRecord,
} from '../../common/types';
import { alertStateSignal, runbookApprovalSignal, runbookStatusQuery, type ApprovalRequest, type RunbookView } from '../definitions';
import { incidentLink, relayOutbox, type Outbox } from '../notices';
import { ApprovalGate, describeApproval } from './approval';
import { refused, stoodDown, verificationFailed } from './errors';

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

export interface ApprovalAsk {
  reason: string;
  approvers?: string[];
  quorum?: number;
  timeout?: Duration;
  /** Also given when an allowed approver lifts the guard's block (for an approval asked only because of it). */
  liftable?: boolean;
}

interface Compensation {
  step: StepRecord;
  run: () => Promise<unknown>;
}

type DryRunnable = { dryRun?: boolean };

export class RunbookKit {
  readonly dryRun: boolean;
  readonly incidentId: string;
  readonly target: string;
  private readonly steps: StepRecord[] = [];
  private readonly verifications: VerificationRecord[] = [];
  private readonly compensations: Compensation[] = [];
  private readonly approvalGate: ApprovalGate;
  private readonly notices: Outbox;
  private tellsIncident?: boolean;
  private approvalBeforeActing?: { reasons: string[]; liftable: boolean };
  private block?: TargetBlock;
  private currentStep?: string;
  private waitingFor?: string;
  private fixedAt?: string;
  private verifiedAt?: string;
  private status: RunbookView['status'] = 'running';
  private alertResolved?: string;

  constructor(private readonly input: RunbookInput) {
    this.dryRun = input.dryRun;
    this.incidentId = input.incidentId;
    this.target = input.target;
    this.alertResolved = input.alertResolved;
    this.approvalGate = new ApprovalGate(() => this.publish());
    this.notices = relayOutbox(input.incidentId, input.notifications);
    setHandler(runbookStatusQuery, () => this.view(), { description: 'Steps, approvals and what the runbook waits for' });
    setHandler(alertStateSignal, (s) => void (this.alertResolved = s.firing ? undefined : s.detail), {
      description: "The incident's alert stopped or started firing again (sent by the incident)",
    });
    this.publish();
  }

  /** The safety policy this runbook runs under. */
  get policy(): SafetyPolicy {
    return this.input.policy;
  }

  /** Activity stubs with the safety policy's bounded retries. */
  activities<A>(overrides: { startToCloseTimeout?: Duration; heartbeatTimeout?: Duration } = {}): ActivityInterfaceFor<A> {
    const { retry, activityTimeout } = this.input.policy;
    return proxyActivities<A>({
      startToCloseTimeout: overrides.startToCloseTimeout ?? activityTimeout,
      heartbeatTimeout: overrides.heartbeatTimeout,
      retry: { ...retry, nonRetryableErrorTypes: ['NonRetryable'] },
    });
  }

  /** Runs one state-changing activity and registers its undo. In dry-run the activity only plans. */
  async step<I extends object, O>(
    name: string,
    action: (input: I & DryRunnable) => Promise<O>,
    input: I,
    options: StepOptions<O> = {},
  ): Promise<O> {
    const { destructive = false, undo, restoredBy } = options;
    if (destructive && !undo && !restoredBy && this.input.policy.refuseDestructiveWithoutUndo) {
      throw refused(`step "${name}" is destructive and has no undo; the safety policy refuses it`);
    }
    await this.askApprovalBeforeActing();
    if (destructive && !this.dryRun && this.alertResolved) {
      throw stoodDown(`the alert is no longer firing (${this.alertResolved}); step "${name}" was not taken`);
    }
    const record: StepRecord = { name, destructive, hasUndo: !!undo, restoredBy, status: 'planned', startedAt: now() };
    this.steps.push(record);
    this.enter(name, undefined);
    let result: O | undefined;
    if (undo && !this.dryRun) this.compensations.push({ step: record, run: () => undo(result) });
    try {
      result = await action({ ...input, dryRun: this.dryRun });
      record.result = result;
      record.endedAt = now();
      if (!this.dryRun) {
        record.status = 'done';
        this.fixedAt = record.endedAt;
        this.notify('action-taken', name);
      }
      return result;
    } catch (err) {
      record.status = 'failed';
      record.endedAt = now();
      record.error = errorMessage(err);
      throw err;
    } finally {
      this.enter(undefined, undefined);
    }
  }

  /** An id unique to this runbook run, for data a step and its undo share (e.g. a snapshot). */
  uniqueId(label: string): string {
    const { workflowId, runId } = workflowInfo();
    return `${workflowId}.${runId}.${label}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /**
   * An approval asked just before the first step acts: never for a runbook that stands down. Reasons add up into
   * one approval; it is liftable only if every reason is.
   */
  requireApprovalBeforeActing(reason: string, { liftable = false } = {}): void {
    const before = this.approvalBeforeActing;
    this.approvalBeforeActing = { reasons: [...(before?.reasons ?? []), reason], liftable: (before?.liftable ?? true) && liftable };
  }

  /**
   * Asks now the approval due before the first step (if any) and says whether one was asked: a runbook whose
   * decision rests on a snapshot of the system reads it again after a human took their time.
   */
  async askApprovalBeforeActing(): Promise<boolean> {
    if (!this.approvalBeforeActing) return false;
    const { reasons, liftable } = this.approvalBeforeActing;
    this.approvalBeforeActing = undefined;
    await this.approval({ reason: reasons.join('; '), liftable });
    return true;
  }

  /** Holds this runbook back on its target for a while after it ends (anti-flapping); the guard keeps the block. */
  blockTarget(duration: Duration, reason: string): void {
    if (!this.dryRun) this.block = { runbook: this.input.runbook, forMs: toMs(duration), reason };
  }

  /** Waits for a quorum of allowed approvers; rejection or timeout stops the runbook. */
  async approval(ask: ApprovalAsk): Promise<void> {
    const policy = this.input.policy.approval;
    const request = {
      reason: ask.reason,
      approvers: ask.approvers ?? policy.approvers,
      quorum: ask.quorum ?? policy.quorum,
      timeout: ask.timeout ?? policy.timeout,
      liftable: ask.liftable,
    };
    if (this.dryRun) {
      this.note(`would ask ${request.quorum} of [${request.approvers.join(', ')}] to approve: ${request.reason}`);
      return;
    }
    this.enter(undefined, `approval: ${request.reason}`);
    this.tag('awaiting-approval');
    try {
      await this.approvalGate.request(request, (pending) => {
        this.tellIncident(pending);
        if (pending?.approvedBy.length === 0) this.approvalNeeded(pending);
      });
    } finally {
      this.tag('running');
      this.enter(undefined, undefined);
    }
  }

  /** Waits until the notices relayed to the incident reached it: called before the runbook returns. */
  flushNotices(): Promise<void> {
    return this.notices.flush();
  }

  /** A durable timer that lets the system settle before verification. */
  async stabilize(duration: Duration): Promise<void> {
    if (this.dryRun) return this.note(`would wait ${duration} to stabilize`);
    this.enter(undefined, `stabilization for ${duration}`);
    await sleep(duration);
    this.enter(undefined, undefined);
  }

  /** Checks until ok or the deadline passes; a failed verification stops the runbook and undoes its steps. */
  async verify<E>(name: string, check: () => Promise<CheckResult<E>>, options: VerifyOptions): Promise<void> {
    if (this.dryRun) return this.note(`would verify "${name}" within ${options.within}`);
    const every = options.every ?? '5s';
    const deadline = Date.now() + toMs(options.within);
    const record: VerificationRecord = { name, ok: false, checks: 0, at: now() };
    this.verifications.push(record);
    this.enter(undefined, `verification: ${name}`);
    try {
      for (;;) {
        const { ok, evidence } = await check();
        record.checks++;
        record.evidence = evidence;
        record.at = now();
        if (ok) {
          record.ok = true;
          this.verifiedAt = record.at;
          return;
        }
        if (Date.now() + toMs(every) > deadline) break;
        await sleep(every);
      }
    } finally {
      this.enter(undefined, undefined);
    }
    throw verificationFailed(`verification "${name}" did not pass within ${options.within}`);
  }

  /** Records a line in the result without acting (shown in dry-run plans). */
  note(text: string): void {
    this.steps.push({ name: text, destructive: false, hasUndo: false, status: 'planned', startedAt: now() });
    this.publish();
  }

  get hasVerified(): boolean {
    return this.verifications.some((v) => v.ok);
  }

  /** Undoes completed steps in reverse order, even if the workflow is being cancelled. */
  async compensate(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const { step, run } of this.compensations.reverse()) {
        this.enter(`undo: ${step.name}`, undefined);
        try {
          await run();
          step.status = 'undone';
          step.undoneAt = now();
        } catch (err) {
          step.status = 'undo-failed';
          step.error = `${step.error ? `${step.error}; ` : ''}undo failed: ${errorMessage(err)}`;
          log.error('undo failed', { step: step.name, error: step.error });
        }
      }
      this.compensations.length = 0;
      this.enter(undefined, undefined);
    });
  }

  finish(status: RunbookStatus, reason?: string): RunbookResult {
    this.status = status;
    this.tag(status);
    this.publish();
    return {
      runbook: this.input.runbook,
      status,
      reason,
      dryRun: this.dryRun,
      steps: this.steps,
      approvals: this.approvalGate.decisions,
      verifications: this.verifications,
      fixedAt: this.fixedAt,
      verifiedAt: this.verifiedAt,
      ...(status === 'verified' && this.block && { block: this.block }),
    };
  }

  view(): RunbookView {
    return {
      runbook: this.input.runbook,
      status: this.status,
      dryRun: this.dryRun,
      currentStep: this.currentStep,
      waitingFor: this.waitingFor,
      approval: this.approvalGate.pending,
      alertResolved: this.alertResolved,
      steps: this.steps,
      approvals: this.approvalGate.decisions,
      verifications: this.verifications,
    };
  }

  /**
   * The incident shows what its runbook waits for, and who may approve, in its own details (Temporal UI, status).
   * Awaited with the notices before the runbook returns: a signal in flight when a workflow completes may be lost.
   */
  private tellIncident(pending: ApprovalRequest | null): void {
    this.tellsIncident ??= patched('approval-shown-by-incident'); // runbooks recorded before did not tell
    if (this.tellsIncident) this.notices.keep(getExternalWorkflowHandle(this.incidentId).signal(runbookApprovalSignal, pending));
  }

  private notify(kind: 'approval-needed' | 'action-taken', title: string, text?: string): void {
    const { incidentId, target, input } = this;
    this.notices.post({ kind, incidentId, severity: input.severity, target, title: `${input.runbook} on ${target}: ${title}`, text });
  }

  private approvalNeeded({ reason, approvers, quorum, deadline }: ApprovalRequest): void {
    if (!this.input.notifications) return;
    const link = incidentLink(this.input.notifications.uiUrl, this.incidentId);
    this.notify('approval-needed', 'needs approval', [
      reason,
      `Who may approve: ${approvers.join(', ')} (${quorum} needed), until ${deadline}.`,
      `In the Temporal UI: ${link} → Send a Signal → approve (or reject) with {"by": "<name>", "comment": "..."}`,
    ].join('\n'));
  }

  private tag(status: string): void {
    if (this.input.tagStatus) upsertSearchAttributes([{ key: statusKey, value: status }]);
  }

  private enter(step: string | undefined, waitingFor: string | undefined): void {
    this.currentStep = step;
    this.waitingFor = waitingFor;
    this.publish();
  }

  private publish(): void {
    setCurrentDetails(renderRunbookDetails(this.view(), this.target));
  }
}

function renderRunbookDetails(v: RunbookView, target: string): string {
  const lines = [`**${v.runbook}** on \`${target}\`${v.dryRun ? ' (dry-run)' : ''}: ${v.status}`];
  if (v.currentStep) lines.push(`Running: ${v.currentStep}`);
  if (v.approval) {
    lines.push(...describeApproval(v.approval));
    if (v.approval.liftable) lines.push(`Or lift the block: signal \`override\` {"by": "<name>", "reason": "..."} to workflow guard/${target}`);
  } else if (v.waitingFor) lines.push(`Waiting for: ${v.waitingFor}`);
  for (const s of v.steps) lines.push(`- [${s.status}] ${s.name}`);
  return lines.join('\n');
}

const now = (): string => new Date().toISOString();
