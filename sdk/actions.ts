// What a pack's actions module exports: the activities it registers, made from its config section, and by target
// kind the action that diagnoses such a target. Node code: activities may do any I/O.
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

type DiagnoseMap<A> = Record<string, keyof A & string>;

export interface ActionsDefinition<C = unknown, A extends Record<string, Action> = Record<string, Action>, D extends DiagnoseMap<A> = DiagnoseMap<A>> {
  /** The actions, given the pack's validated config section (undefined for a pack without one). */
  create(config: C, context: ActionContext): A;
  /** By target kind (the part of a target before the first "/"): the action that diagnoses it. */
  diagnose?: D;
}

export const actionsBrand = Symbol.for('mend.actions');

export function defineActions<C, A extends Record<string, Action>, D extends DiagnoseMap<A> = DiagnoseMap<A>>(definition: ActionsDefinition<C, A, D>): ActionsDefinition<C, A, D> {
  return Object.assign(definition, { [actionsBrand]: true });
}

export function isActionsDefinition(value: unknown): value is ActionsDefinition {
  return typeof value === 'object' && value !== null && actionsBrand in value;
}

/** The activities of an actions definition, for typed proxies in runbooks: `kit.activities<ActionsOf<typeof x>>()`. */
export type ActionsOf<D> = D extends ActionsDefinition<never, infer A, infer _M> ? A : never;

/**
 * The facts an actions definition's diagnosis gives for targets of `kind`: what a runbook's `select` gets for them,
 * e.g. `select(p, facts: FactsOf<typeof actions, 'k8s'> | undefined)`.
 */
export type FactsOf<D, K extends string> =
  D extends ActionsDefinition<never, infer A, infer M> ? (M[K] extends keyof A ? (Awaited<ReturnType<A[M[K]]>> extends Diagnosis<infer F> ? F : never) : never) : never;

export type { Diagnosis };
