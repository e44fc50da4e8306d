// Signals, queries and updates: the contract between mend's workflows, the CLI, the UI and the gateway.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Notice } from '../common/notice';
import type { Relayed } from '../common/operator-identity';
import type {
  AlertNotice,
  ApprovalDecision,
  BlockNotice,
  IncidentStatus,
  RecoveryRecord,
  RunbookStatus,
  SignalApproval,
  StepRecord,
  TargetBlock,
  TimelineEntry,
  VerificationRecord,
} from '../common/types';

export const approveSignal = defineSignal<[SignalApproval]>('approve');

/** A notification from monitoring, sent by the gateway: the alerts of one incident key. */
export interface AlertDelivery {
  alerts: AlertNotice[];
  receivedAt: string;
}
export const alertSignal = defineSignal<[AlertDelivery]>('alert');

/** Sent by an incident to its running runbook when the alert stops or starts firing again. */
export interface AlertState {
  firing: boolean;
  detail: string;
}
export const alertStateSignal = defineSignal<[AlertState]>('alertState');

export const rejectSignal = defineSignal<[SignalApproval]>('reject');

/** Sent by a runbook to its incident, which sends it on to the notification sinks (approval needed, action taken). */
export const noticeSignal = defineSignal<[Notice]>('notice');

/** What a pending approval asks for; shown in status and in the UI. */
export interface ApprovalRequest {
  reason: string;
  approvers: string[];
  quorum: number;
  deadline: string;
  approvedBy: string[];
  /** Asked only because the guard blocks the runbook: lifting the block (guard signal `override`) gives it too. */
  liftable?: boolean;
}

export interface RunbookView {
  runbook: string;
  status: RunbookStatus | 'running';
  dryRun: boolean;
  currentStep?: string;
  waitingFor?: string;
  approval?: ApprovalRequest;
  /** Set once the incident's alert has resolved: a destructive step will stand down instead of acting. */
  alertResolved?: string;
  steps: StepRecord[];
  approvals: ApprovalDecision[];
  verifications: VerificationRecord[];
}

export interface IncidentView {
  incidentId: string;
  target: string;
  status: IncidentStatus;
  waitingFor?: string;
  /** The approval the running runbook waits for (it tells its incident). */
  approval?: ApprovalRequest;
  /** The running (or last) runbook's workflow id, to ask it for step detail. */
  runbookWorkflowId?: string;
  ladder: string[];
  /** Rungs skipped for their recorded outcomes. */
  skipped?: string[];
  timeline: TimelineEntry[];
  record?: RecoveryRecord;
  /** The alerts behind an incident that monitoring opened. */
  alerts?: AlertsView;
}

export interface AlertsView {
  key: string;
  firing: boolean;
  notifications: number;
  alerts: (AlertNotice & { lastNotifiedAt: string })[];
}

export const incidentStatusQuery = defineQuery<IncidentView>('status');
/** Sent by a runbook to its incident when it starts (the request) or stops (null) waiting for approval. */
export const runbookApprovalSignal = defineSignal<[ApprovalRequest | null]>('runbookApproval');
export const runbookStatusQuery = defineQuery<RunbookView>('status');
/** The incident's post-incident report in Markdown (common/incident-report.ts), as it stands now. */
export const incidentReportQuery = defineQuery<string>('report');

// The target guard.
export interface AcquireRequest {
  incidentId: string;
  /** The incident's run: a lifted block is relayed to it alone (absent in requests recorded before). */
  incidentRunId?: string;
  runbook: string;
  maxAttempts: number;
  windowMs: number;
  cooldownMs: number;
  maxHoldMs: number;
}

export type GuardDecision = { decision: 'granted'; runbook: string; attempt: number; of: number; blocked?: BlockNotice } | { decision: 'refused'; runbook: string; reason: string };

/** The answer to `acquire`: at once when the target is free or the budget is spent, else queued. */
export type AcquireResult = GuardDecision | { decision: 'queued'; runbook: string; behind: string };

export interface ReleaseRequest {
  incidentId: string;
  outcome: 'recovered' | 'failed' | 'aborted';
  /** Hold the runbook back on this target for a while (set by the runbook, e.g. after a failover). */
  block?: TargetBlock;
}

export interface OverrideRequest extends Relayed {
  /** Optional: when given, it must name the authenticated sender. */
  by?: string;
  reason: string;
}

export interface GuardView {
  target: string;
  holder?: { incidentId: string; runbook: string; since: string };
  waiting: string[];
  attempts: { incidentId: string; runbook: string; at: string }[];
  cooldownUntil?: string;
  blocks: ({ runbook: string } & BlockNotice)[];
  history: TimelineEntry[];
}

export const acquireUpdate = defineUpdate<AcquireResult, [AcquireRequest]>('acquire');
export const releaseSignal = defineSignal<[ReleaseRequest]>('release');
/** Sent by a guard to a queued incident when its turn comes. */
export const guardDecisionSignal = defineSignal<[GuardDecision]>('guardDecision');
export const overrideSignal = defineSignal<[OverrideRequest]>('override');
/** Sent by a guard to its holder, then by the incident to its runbook, when an operator lifted the block. */
export const blockLiftedSignal = defineSignal<[OverrideRequest]>('blockLifted');
export const guardStateQuery = defineQuery<GuardView>('state');

export const guardWorkflowId = (target: string): string => `guard/${target}`;
/** How a target's guard (workflow type `targetGuard`) is started: by its target alone. */
export type GuardStart = (input: { target: string }) => Promise<void>;
