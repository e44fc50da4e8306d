// What an SRE writes in runbooks/: params, risk, target, escalation and the recovery itself.
import type { z } from 'zod';
import type { Risk } from '../../common/types';
import type { RunbookKit } from './kit';

/** A runbook may stand down without acting, saying why (e.g. the hit rate is already healthy). */
export interface NotNeeded {
  notNeeded: string;
}

export interface RunbookChoice {
  runbook: string;
  params: Record<string, unknown>;
  /** Why, for the timeline. */
  because: string;
}

export interface RunbookDefinition<S extends z.ZodType = z.ZodType, F = unknown> {
  name: string;
  description: string;
  risk: Risk;
  params: S;
  /** The guarded target this runbook acts on, e.g. 'redis/default'. One remediation at a time per target. */
  target: (params: z.output<S>) => string;
  /** Heavier runbooks to try, in order, when this one does not recover the target. */
  escalateTo?: string[];
  /**
   * Chooses by the diagnosis: another runbook (or this one with refined params) that fits the facts better,
   * e.g. a rollout undo when the crash loop began right after a rollout. Runs in the workflow: pure, no I/O.
   */
  select?(params: z.output<S>, facts: F | undefined): RunbookChoice | undefined;
  /** How far this runbook's actions reach beyond its target (e.g. the cluster), for the policy's oneAtATime. */
  blastRadius?: (params: z.output<S>) => string;
  run: (kit: RunbookKit, params: z.output<S>) => Promise<NotNeeded | void>;
}

const runbookBrand = Symbol.for('mend.runbook');

export function defineRunbook<S extends z.ZodType, F = unknown>(definition: RunbookDefinition<S, F>): RunbookDefinition<S, F> {
  return Object.assign(definition, { [runbookBrand]: true });
}

export function isRunbookDefinition(value: unknown): value is RunbookDefinition {
  return typeof value === 'object' && value !== null && runbookBrand in value;
}
