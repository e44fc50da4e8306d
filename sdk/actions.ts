// What a pack's actions module exports: its config section's schema, the activities it registers and, by target
// kind, the action that diagnoses such a target. Node code: activities may do any I/O.
import type { z } from 'zod';
import type { Diagnosis } from '../common/types';

/** What the engine gives a pack's actions when the worker starts. */
export interface ActionContext {
  /** Where undo data too large for workflow history is kept (config `snapshots.dir`), shared by the workers. */
  snapshotsDir: string;
  /** Runs when the worker stops, e.g. to close connection pools. */
  onClose(close: () => Promise<unknown> | unknown): void;
}

/** An action: an idempotent activity taking one object. */
export type Action = (input: never) => Promise<unknown>;

export interface DiagnoseInput {
  /** The target without its kind, e.g. "default" for "redis/default". */
  name: string;
  /** When the fault began (ISO time). */
  faultStartedAt: string;
}

export interface ActionsDefinition<S extends z.ZodType = z.ZodType, A extends Record<string, Action> = Record<string, Action>> {
  /** The schema of the pack's config section (the top-level key named after the pack). */
  config?: S;
  create(config: z.output<S>, context: ActionContext): A;
  /** By target kind (the part of a target before the first "/"): the action that diagnoses it. */
  diagnose?: Record<string, keyof A & string>;
  /** Environment overrides of the config section, applied before it is validated. */
  fromEnv?: (section: unknown, env: Record<string, string | undefined>) => unknown;
}

export const actionsBrand = Symbol.for('mend.actions');

export function defineActions<S extends z.ZodType, A extends Record<string, Action>>(
  definition: ActionsDefinition<S, A>,
): ActionsDefinition<S, A> {
  return Object.assign(definition, { [actionsBrand]: true });
}

export function isActionsDefinition(value: unknown): value is ActionsDefinition {
  return typeof value === 'object' && value !== null && actionsBrand in value;
}

/** A config value as an object to merge overrides into: a copy of it when it is one, else empty. */
export const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};

/** The activities of an actions definition, for typed proxies in runbooks: `kit.activities<ActionsOf<typeof x>>()`. */
export type ActionsOf<D> = D extends ActionsDefinition<z.ZodType, infer A> ? A : never;

export type { Diagnosis };
