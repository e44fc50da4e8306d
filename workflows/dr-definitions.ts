// The DR checklist run's contract with the CLI and the UI: its input, its `confirm` signal, its queries and views.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DrChecklist, DrPhase } from '../config/dr-schema';
import type { DecisionChannel } from '../common/operator-identity';
import type { Duration, Severity, TimelineEntry } from '../common/types';

export const drWorkflowType = 'drChecklist';

export interface DrInput {
  checklist: DrChecklist;
  /** Of the escalation and the notices (default critical: a disaster). */
  severity?: Severity;
  summary?: string;
}

/** A person confirms a manual item (or, after it failed, an automated one done by hand). */
export interface DrConfirm {
  item: string;
  /** Optional: when given, it must name the authenticated sender. */
  by?: string;
  note?: string;
}

export type DrItemStatus = 'waiting' | 'running' | 'awaiting-confirmation' | 'failed' | 'done';

export interface DrItemState {
  id: string;
  title: string;
  phase: DrPhase;
  dependsOn: string[];
  /** manual, or what runs it: `activity <name>` / `runbook <name>`. */
  kind: string;
  status: DrItemStatus;
  startedAt?: string;
  endedAt?: string;
  confirmedBy?: string;
  confirmedAt?: string;
  note?: string;
  /** The activity's or child incident's result, in short. */
  result?: string;
  error?: string;
  /** The child incident of a runbook item. */
  childId?: string;
}

export interface DrConfirmation extends DrConfirm {
  /** Who confirmed: the authenticated identity (or "unauthenticated (claims …)"). */
  by: string;
  /** The payload's "by" when it names someone else than `by`. */
  claimed?: string;
  channel?: DecisionChannel;
  evidence?: string;
  at: string;
  accepted: boolean;
  reason?: string;
}

/** How much data a restore loses: the run's start less the newest verified backup's position. */
export interface DrRpo {
  cluster: string;
  backup?: string;
  positionAt?: string;
  verifiedAt?: string;
  seconds?: number;
  detail: string;
}

export interface DrView {
  runId: string;
  name: string;
  status: 'running' | 'done';
  startedAt: string;
  endedAt?: string;
  rto: { target: Duration; warnAt: string; deadline: string; atRisk: boolean; met?: boolean };
  rpo?: DrRpo;
  phases: { phase: DrPhase; done: number; total: number }[];
  items: DrItemState[];
  confirmations: DrConfirmation[];
  approvers: string[];
  timeline: TimelineEntry[];
}

export interface DrOutcome extends DrView {
  /** The Markdown report. */
  report: string;
}

export const confirmSignal = defineSignal<[DrConfirm]>('confirm');
export const drProgressQuery = defineQuery<DrView>('progress');
export const drReportQuery = defineQuery<string>('report');
