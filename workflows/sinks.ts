// Metrics leave workflow code through a sink: no history events, not repeated on replay.
import type { Sinks } from '@temporalio/workflow';
import type { RecoveryPhases } from '../common/types';

export interface MendSinks extends Sinks {
  metrics: {
    attempt(runbook: string, status: string, durationSeconds: number): void;
    recovery(runbook: string, mttrSeconds: number, phases: RecoveryPhases): void;
    /** A drill's end: its outcome, seconds from the injection to each milestone, and its business impact. */
    drill(scenario: string, outcome: string, seconds: Record<string, number>, impact: { failed: number; missing: number } | undefined): void;
  };
}
