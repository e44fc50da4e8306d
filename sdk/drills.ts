// What a pack's drills module exports: the faults `mend drill` may inject into its targets, each with its own undo,
// and optionally a workload that measures the business SLI while a drill runs. Node code.
import type { ActionContext } from './actions';

/** Small JSON kept in the drill's history: what the undo needs (a pid, a replica's address, a key prefix). */
export type Injected = Record<string, string | number | boolean | string[] | number[] | null>;

export interface DrillScenario<I extends Injected = Injected> {
  /** What it breaks, as a report says it: "kill -9 of the primary". */
  description: string;
  /** The pack's targets, each with whether config marks it `drill: allowed`. */
  targets: Record<string, boolean>;
  /** The alert that should fire and the runbook that should recover; the drill finds the incident by the runbook. */
  expects: { alert: string; runbook: string };
  /** Breaks the target once; not retried (a second kill would kill another server). */
  inject(target: string): Promise<I>;
  /** Puts the target back as a drill found it, whether or not mend recovered it; idempotent, retried; at most 10m. */
  undo(target: string, injected: I): Promise<string>;
  /** Undefined while the target is as a drill may start on it; else what is wrong with it. */
  healthy(target: string): Promise<string | undefined>;
}

/** One request of a workload, as its outcomes file has it (a JSON line). */
export interface WorkloadOutcome {
  /** When it was sent (ms since the epoch). */
  at: number;
  /** 0: no answer. */
  status: number;
  ms: number;
  /** An id the service acknowledged for a write (an order), to be found afterwards. */
  ackedId?: number;
}

export interface DrillWorkload {
  /** Sends requests until `signal` aborts, appending each outcome to `outcomesFile`. */
  run(target: string, outcomesFile: string, signal: AbortSignal): Promise<void>;
  /** Of the acknowledged ids, those the service no longer has. */
  missing(target: string, ackedIds: number[]): Promise<number[]>;
}

export interface DrillsDefinition<C = unknown> {
  /** The scenarios by name (unique across packs) and the workload, from the pack's validated config section. */
  create(config: C, context: ActionContext): { scenarios: Record<string, DrillScenario>; workload?: DrillWorkload };
}

/** A section's targets (name → { drill?: 'allowed' }) as a scenario's `targets`. */
export const drillTargets = (section: Record<string, { drill?: 'allowed' }>): Record<string, boolean> =>
  Object.fromEntries(Object.entries(section).map(([name, target]) => [name, target.drill === 'allowed']));

export const drillsBrand = Symbol.for('mend.drills');

export function defineDrills<C>(definition: DrillsDefinition<C>): DrillsDefinition<C> {
  return Object.assign(definition, { [drillsBrand]: true });
}

export function isDrillsDefinition(value: unknown): value is DrillsDefinition {
  return typeof value === 'object' && value !== null && drillsBrand in value;
}
