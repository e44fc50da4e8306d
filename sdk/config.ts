// A pack's config section (the top-level key of mend.yaml named after the pack): its schema, environment overrides,
// and lookups that routes use to name a configured target from an alert's labels. Light and pure: every mend
// process (worker, gateway, CLI) loads it.
import type { z } from 'zod';

/** From a label value (e.g. an `instance`) to a configured name; throws, saying why, when nothing matches. */
export type Lookup<C> = (value: string, section: C) => string;

export interface ConfigDefinition<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** Environment overrides, applied to the section as written, before it is validated. */
  fromEnv?: (section: unknown, env: Record<string, string | undefined>) => unknown;
  /** Used in route params as `{{ labels.instance | <pack>.<lookup> }}`. */
  lookups?: Record<string, Lookup<z.output<S>>>;
}

const configBrand = Symbol.for('mend.config');

export function defineConfig<S extends z.ZodType>(definition: ConfigDefinition<S>): ConfigDefinition<S> {
  return Object.assign(definition, { [configBrand]: true });
}

export function isConfigDefinition(value: unknown): value is ConfigDefinition {
  return typeof value === 'object' && value !== null && configBrand in value;
}

/** The validated section a config definition describes, e.g. the type actions' create() receives. */
export type ConfigOf<D> = D extends ConfigDefinition<infer S> ? z.output<S> : never;

/** A config value as an object to merge overrides into: a copy of it when it is one, else empty. */
export const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};

/**
 * Which configured target a scrape target (an alert's `instance`) reports on: one listing it among its `instances`,
 * else one with a server at that host:port, else the only one on that host. Ambiguity is refused, not guessed.
 */
/** The host of an address: its port and any IPv6 brackets dropped ("[::1]:9100" → "::1", "web1:9100" → "web1"). */
export const hostOf = (address: string): string => address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');

export function targetOfInstance(instance: string, targets: Record<string, { addresses: string[]; instances?: string[] }>): string {
  const entries = Object.entries(targets);
  const host = hostOf;
  const named = entries.filter(([, t]) => t.instances?.includes(instance));
  const exact = entries.filter(([, t]) => t.addresses.includes(instance));
  const sameHost = entries.filter(([, t]) => t.addresses.some((a) => host(a) === host(instance)));
  for (const found of [named, exact, sameHost]) {
    if (found.length === 1) return found[0][0];
    if (found.length > 1) throw new Error(`instance ${instance} matches ${found.map(([n]) => n).join(' and ')}: list it under one's instances`);
  }
  throw new Error(`no configured target has instance ${instance} (its servers, or list it under instances)`);
}
