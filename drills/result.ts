// A drill's result as its workflow returns it, and the times the report measures from its injection.
import type { DrillObservation } from '../activities/drill-watch';
import type { DrillImpact, DrillPlan } from '../activities/drills';
import { secondsBetween } from '../common/duration';
import type { Injected } from '../sdk/drills';

export type DrillOutcome = 'recovered' | 'not recovered' | 'stopped at budget' | 'cancelled' | 'not run';

export interface DrillResult {
  plan?: DrillPlan;
  scenario: string;
  outcome: DrillOutcome;
  /** Why it was not run, or what went wrong around it. */
  error?: string;
  startedAt: string;
  injectedAt?: string;
  injected?: Injected;
  observation?: DrillObservation;
  /** What the injector's undo said it did. */
  undone?: string;
  /** Incidents cancelled when the budget ran out or the drill was cancelled. */
  stoppedIncidents?: string[];
  impact?: DrillImpact;
  endedAt: string;
}

export interface DrillRunResult {
  runId: string;
  drills: DrillResult[];
  report?: string;
  /** Why the report could not be written. */
  reportError?: string;
}

/** Seconds from the injection to each milestone the drill saw (MTTI: detected, MTTK: diagnosed, MTTF, MTTV). */
export interface DrillTimes {
  fired?: number;
  detected?: number;
  diagnosed?: number;
  fixed?: number;
  verified?: number;
}

export const milestones = ['fired', 'detected', 'diagnosed', 'fixed', 'verified'] as const;

export function drillTimes(d: DrillResult): DrillTimes {
  const o = d.observation;
  if (!d.injectedAt || !o) return {};
  const since = (at: string | undefined) => (at ? Math.round(secondsBetween(d.injectedAt!, at) * 10) / 10 : undefined);
  const at = (event: string) => o.timeline.find((t) => t.event === event)?.at;
  const recovery = o.attempts.find((a) => a.status === 'verified');
  return {
    fired: since(o.firedAt),
    detected: since(at('detected')),
    diagnosed: since(at('diagnosed')),
    fixed: since(recovery?.fixedAt),
    verified: since(recovery?.verifiedAt),
  };
}
