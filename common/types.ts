// Types shared by workflows, activities, the worker and the CLI. No Node imports: workflow code uses them.
import type { Duration } from '@temporalio/common';
import type { DecisionChannel, Relayed } from './operator-identity';

export type { Duration };

export const severities = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof severities)[number];

export const risks = ['low', 'medium', 'high'] as const;
export type Risk = (typeof risks)[number];

export interface RetryLimits {
  maximumAttempts: number;
  initialInterval: Duration;
  maximumInterval: Duration;
  backoffCoefficient: number;
}

/** The safety policy, validated from config (config/schema.ts) and read by workflows through a local activity. */
export interface SafetyPolicy {
  attempts: { max: number; window: Duration };
  cooldown: Duration;
  lockWait: Duration;
  maxHold: Duration;
  approval: {
    severities: Severity[];
    risks: Risk[];
    approvers: string[];
    quorum: number;
    timeout: Duration;
  };
  refuseDestructiveWithoutUndo: boolean;
  retry: RetryLimits;
  activityTimeout: Duration;
  /** Absent in incidents recorded before Kubernetes runbooks existed. */
  maxReplicas?: number;
  oneAtATime?: string[];
}

/** What a diagnosis found about a target: a line for the timeline, and facts a runbook's select may use. */
export interface Diagnosis<F = Record<string, unknown>> {
  summary: string;
  facts: F;
}

export interface IncidentInput {
  runbook: string;
  params: Record<string, unknown>;
  severity: Severity;
  summary?: string;
  dryRun?: boolean;
  /** When the fault began (an alert's startsAt); defaults to the incident's start. */
  faultStartedAt?: string;
  source?: string;
  /** Set when an alert opened the incident: it follows the alert's notifications and stays open until it resolves. */
  alert?: AlertLink;
}

export interface AlertLink {
  /** The incident key: source, alert group and target. */
  key: string;
  /** How long the incident stays open after remediation, waiting for the alert to resolve. */
  holdOpen: Duration;
}

/** One alert in a notification, as the gateway records it in the incident. Kept small: no raw payloads. */
export interface AlertNotice {
  source: string;
  /** The alert's identity within the incident (Alertmanager's fingerprint, Zabbix's event id, ...). */
  fingerprint: string;
  name: string;
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt?: string;
  summary?: string;
}

export type IncidentStatus =
  | 'open'
  | 'diagnosing'
  | 'waiting-for-target'
  | 'remediating'
  | 'recovered'
  | 'not-needed'
  | 'planned'
  | 'refused'
  | 'rejected'
  | 'stood-down'
  | 'escalated'
  | 'failed';

export type RunbookStatus = 'verified' | 'not-needed' | 'planned' | 'failed' | 'rejected' | 'approval-timeout' | 'stood-down' | 'refused' | 'needs-people';

export interface StepRecord {
  name: string;
  destructive: boolean;
  hasUndo: boolean;
  /** What restores a destructive step that has no undo (e.g. a pod's controller). */
  restoredBy?: string;
  status: 'done' | 'planned' | 'failed' | 'undone' | 'undo-failed';
  startedAt: string;
  endedAt?: string;
  undoneAt?: string;
  result?: unknown;
  error?: string;
}

export interface ApprovalDecision {
  /** The authenticated identity that decided (or "unauthenticated (claims …)"). */
  by: string;
  /** The payload's "by" when it names someone else than `by`. */
  claimed?: string;
  /** How the decision came, and what proves its sender (absent on runs recorded before senders were authenticated). */
  channel?: DecisionChannel;
  evidence?: string;
  comment?: string;
  decision: 'approve' | 'reject';
  at: string;
  accepted: boolean;
  reason?: string;
}

export interface VerificationRecord {
  name: string;
  ok: boolean;
  checks: number;
  evidence?: unknown;
  at: string;
}

export interface RunbookResult {
  runbook: string;
  status: RunbookStatus;
  reason?: string;
  dryRun: boolean;
  steps: StepRecord[];
  approvals: ApprovalDecision[];
  verifications: VerificationRecord[];
  /** When the last state-changing step finished (the fix), ISO time. */
  fixedAt?: string;
  verifiedAt?: string;
  /** Asks the target guard to hold this runbook back on the target for a while (e.g. no second failover soon). */
  block?: TargetBlock;
}

/** A runbook held back on a target after it acted: the next run within the window waits for a human. */
export interface TargetBlock {
  runbook: string;
  forMs: number;
  reason: string;
}

export interface RunbookInput {
  runbook: string;
  params: Record<string, unknown>;
  target: string;
  incidentId: string;
  severity: Severity;
  dryRun: boolean;
  policy: SafetyPolicy;
  /** Keep MendStatus up to date on the runbook workflow (e.g. 'awaiting-approval'). */
  tagStatus?: boolean;
  /** Why the incident's alert is no longer firing, when it resolved before this runbook started. */
  alertResolved?: string;
  /** The guard holds this runbook back on the target (anti-flapping): it asks a human before acting. */
  blocked?: BlockNotice;
  /** Set when the incident notifies: the runbook relays its notices (approval needed, action taken) to it. */
  notifications?: NotificationSettings;
  /** Who started the incident by hand (authenticated): never its approver. */
  requester?: string;
}

/** How workflows notify (common/notice.ts); absent when no sink is configured. */
export interface NotificationSettings {
  /** The Temporal UI's base URL, for links to the incident. */
  uiUrl: string;
  progressEvery: Duration;
  /** How long one notify activity may take: every sink's attempts and pauses. */
  sendTimeout: Duration;
}

export interface BlockNotice {
  until: string;
  reason: string;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

/** The MTTR split into its phases, in seconds: fault→detected, →diagnosed, →fixed, →verified. */
export interface RecoveryPhases {
  detection: number;
  diagnosis: number;
  fix: number;
  verification: number;
}

export interface RecoveryRecord {
  incidentId: string;
  target: string;
  severity: Severity;
  status: IncidentStatus;
  reason?: string;
  attempts: RunbookResult[];
  timeline: TimelineEntry[];
  mttrSeconds?: number;
  phases?: RecoveryPhases;
}

export interface SignalApproval extends Relayed {
  /** Optional: when given, it must name the authenticated sender. */
  by?: string;
  comment?: string;
}
