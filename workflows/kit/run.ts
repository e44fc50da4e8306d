// The engine's side of a runbook run: its record (steps, approvals, verifications, undo), what it shows while it
// runs (query, details, search attribute), the approvals due before acting, and how it ends.
import { CancellationScope, getExternalWorkflowHandle, log, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { errorMessage } from '../../common/error-message';
import { statusKey } from '../../common/search-attributes';
import type { RunbookInput, RunbookResult, RunbookStatus, StepRecord, TargetBlock, VerificationRecord } from '../../common/types';
import { alertStateSignal, runbookApprovalSignal, runbookStatusQuery, type ApprovalRequest, type RunbookView } from '../definitions';
import { incidentLink, relayOutbox, type Outbox } from '../notices';
import { changed } from '../patches';
import { ApprovalGate, describeApproval, type ApprovalOptions } from './approval';

interface Compensation {
  step: StepRecord;
  run: () => Promise<unknown>;
}

/** Approval reasons that add up until the runbook first acts (or asks for approval itself). */
interface DueApproval {
  reasons: string[];
  /** Given too when an allowed approver lifts the guard's block: only if every reason is the block. */
  liftable: boolean;
}

export class RunbookRun {
  readonly steps: StepRecord[] = [];
  readonly verifications: VerificationRecord[] = [];
  readonly compensations: Compensation[] = [];
  fixedAt?: string;
  verifiedAt?: string;
  block?: TargetBlock;
  alertResolved?: string;
  private readonly approvalGate: ApprovalGate;
  private readonly notices: Outbox;
  private due?: DueApproval;
  private tellsIncident?: boolean;
  private currentStep?: string;
  private waitingFor?: string;
  private status: RunbookView['status'] = 'running';

  constructor(readonly input: RunbookInput) {
    this.alertResolved = input.alertResolved;
    this.approvalGate = new ApprovalGate(() => this.publish(), input.incidentId, input.requester);
    this.notices = relayOutbox(input.incidentId, input.notifications);
    setHandler(runbookStatusQuery, () => this.view(), { description: 'Steps, approvals and what the runbook waits for' });
    setHandler(alertStateSignal, (s) => void (this.alertResolved = s.firing ? undefined : s.detail), {
      description: "The incident's alert stopped or started firing again (sent by the incident)",
    });
    this.publish();
  }

  /** An approval to ask just before the first step acts: never for a runbook that stands down. */
  requireApproval(reason: string, { liftable = false } = {}): void {
    const before = this.due;
    this.due = { reasons: [...(before?.reasons ?? []), reason], liftable: (before?.liftable ?? true) && liftable };
  }

  /** The approvals due before acting, now being asked. */
  takeDue(): DueApproval | undefined {
    const due = this.due;
    this.due = undefined;
    return due;
  }

  /** Waits for a quorum of allowed approvers (in dry-run only notes who would be asked). */
  async askApproval(request: ApprovalOptions): Promise<void> {
    if (this.input.dryRun) {
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

  note(text: string): void {
    this.steps.push({ name: text, destructive: false, hasUndo: false, status: 'planned', startedAt: now() });
    this.publish();
  }

  notify(kind: 'approval-needed' | 'action-taken', title: string, text?: string, asked?: string): void {
    const { incidentId, target, severity, runbook } = this.input;
    this.notices.post({ kind, incidentId, severity, target, title: `${runbook} on ${target}: ${title}`, text, ...(asked && { asked }) });
  }

  /** What the runbook is doing now: a step, or a wait; both undefined between them. */
  enter(step: string | undefined, waitingFor: string | undefined): void {
    this.currentStep = step;
    this.waitingFor = waitingFor;
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

  /** Waits until the notices relayed to the incident reached it: called before the runbook returns. */
  flushNotices(): Promise<void> {
    return this.notices.flush();
  }

  finish(status: RunbookStatus, reason?: string): RunbookResult {
    this.status = status;
    this.tag(status);
    this.publish();
    return {
      runbook: this.input.runbook,
      status,
      reason,
      dryRun: this.input.dryRun,
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
      dryRun: this.input.dryRun,
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
    this.tellsIncident ??= changed('approvalShownByIncident');
    if (this.tellsIncident) this.notices.keep(getExternalWorkflowHandle(this.input.incidentId).signal(runbookApprovalSignal, pending));
  }

  private approvalNeeded({ reason, approvers, quorum, deadline }: ApprovalRequest): void {
    if (!this.input.notifications) return;
    const link = incidentLink(this.input.notifications.uiUrl, this.input.incidentId);
    this.notify(
      'approval-needed',
      'needs approval',
      [
        reason,
        `Who may approve: ${approvers.join(', ')} (${quorum} needed), until ${deadline}.`,
        `Signed in to the Temporal UI: ${link} → Send a Signal → approve (or reject) with {"comment": "..."}; or \`mend approve ${this.input.incidentId}\`.`,
      ].join('\n'),
      deadline,
    );
  }

  private tag(status: string): void {
    if (this.input.tagStatus) upsertSearchAttributes([{ key: statusKey, value: status }]);
  }

  private publish(): void {
    setCurrentDetails(renderRunbookDetails(this.view(), this.input.target));
  }
}

function renderRunbookDetails(v: RunbookView, target: string): string {
  const lines = [`**${v.runbook}** on \`${target}\`${v.dryRun ? ' (dry-run)' : ''}: ${v.status}`];
  if (v.currentStep) lines.push(`Running: ${v.currentStep}`);
  if (v.approval) {
    lines.push(...describeApproval(v.approval));
    if (v.approval.liftable) lines.push(`Or lift the block: \`mend override ${target} --comment WHY\` (or signal \`override\` {"reason": "..."} to workflow guard/${target})`);
  } else if (v.waitingFor) lines.push(`Waiting for: ${v.waitingFor}`);
  for (const s of v.steps) lines.push(`- [${s.status}] ${s.name}`);
  return lines.join('\n');
}

export const now = (): string => new Date().toISOString();
