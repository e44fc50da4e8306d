// Reads the config file (MEND_CONFIG, default config/mend.yaml), applies env overrides, validates it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../common/project-root';
import { formatIssues } from '../common/zod-issues';
import { routerFor } from '../gateway/routes';
import { PackError } from '../packs/pack-error';
import { builtinPacks, loadPacks, packConfig, packDirs } from '../packs/load';
import { packDir } from '../packs/manifest';
import { configSchema, type MendConfig } from './schema';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const defaultConfigPath = (): string => join(projectRoot(), 'config', 'mend.yaml');

/** Environment overrides, merged before validation so a bad value is reported like a bad field. */
function withEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const config = structuredClone(raw) as Record<string, Record<string, unknown> | undefined>;
  const set = (section: string, key: string, value: unknown) => {
    if (value === undefined || value === '') return;
    const current = config[section];
    config[section] = { ...(typeof current === 'object' && current ? current : {}), [key]: value };
  };
  set('temporal', 'address', env.TEMPORAL_ADDRESS);
  set('temporal', 'namespace', env.TEMPORAL_NAMESPACE);
  const tls = { caFile: env.TEMPORAL_TLS_CA_PATH, certFile: env.TEMPORAL_TLS_CERT_PATH, keyFile: env.TEMPORAL_TLS_KEY_PATH, serverName: env.TEMPORAL_TLS_SERVER_NAME };
  if (Object.values(tls).some((v) => v)) {
    const current = (config.temporal as { tls?: object } | undefined)?.tls;
    const given = Object.fromEntries(Object.entries(tls).filter(([, v]) => v));
    set('temporal', 'tls', { ...(typeof current === 'object' && current ? current : {}), ...given });
  }
  set('temporal', 'taskQueue', env.MEND_TASK_QUEUE);
  set('metrics', 'port', env.MEND_METRICS_PORT === undefined ? undefined : Number(env.MEND_METRICS_PORT));
  set('metrics', 'host', env.MEND_METRICS_HOST);
  set('gateway', 'port', env.MEND_GATEWAY_PORT === undefined ? undefined : Number(env.MEND_GATEWAY_PORT));
  set('gateway', 'host', env.MEND_GATEWAY_HOST);
  return config;
}

/**
 * Validates a config: loads its packs first (their runbooks are what routes and DR items name), then mend's own
 * sections and each pack's section with the pack's schema, then the packs' routes.
 */
export function parseConfig(raw: unknown, file = '(inline)', env: NodeJS.ProcessEnv = process.env): MendConfig {
  const input = withEnv(raw ?? {}, env) as Record<string, unknown>;
  const references = z.array(z.string().min(1)).default([]).safeParse(input.packs);
  if (!references.success) throw new ConfigError(file, formatIssues(references.error, ['packs']));
  const base = existsSync(file) ? dirname(resolve(file)) : process.cwd();
  const dirs = packDirs(references.data, base);
  const packs = loadPacks([...builtinPacks, ...dirs]);
  const sections: Record<string, z.ZodType> = {};
  for (const pack of packs) {
    const section = packConfig(pack);
    if (section?.fromEnv) input[pack.name] = section.fromEnv(input[pack.name], env);
    sections[pack.name] = section ? z.preprocess((v) => v ?? {}, section.schema) : z.never({ error: `pack ${pack.name} takes no config` }).optional();
  }
  const result = configSchema.extend(sections).safeParse({ ...input, packs: dirs });
  if (!result.success) {
    // A pack's section names the pack and the file of its schema.
    const owner = (key: PropertyKey | undefined) => packs.find((p) => p.name === key && p.configFile);
    const lines = formatIssues(result.error).map((line, i) => {
      const pack = owner(result.error.issues[i].path[0]);
      return pack ? `${line} (pack ${pack.name}, ${pack.configFile})` : line;
    });
    throw new ConfigError(file, lines);
  }
  const config = result.data as MendConfig;
  const tls = config.temporal.tls;
  if (tls) for (const key of ['caFile', 'certFile', 'keyFile'] as const) if (tls[key]) tls[key] = resolve(base, tls[key]);
  try {
    routerFor(config); // a pack's bad route, or a lookup no pack has, stops start-up too
  } catch (err) {
    if (err instanceof PackError) throw err;
    throw new ConfigError(file, [(err as Error).message]);
  }
  return config;
}

export function loadConfig(file = process.env.MEND_CONFIG ?? defaultConfigPath()): MendConfig {
  return parseConfig(readConfigFile(file), file);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A config file with the file it `extends` (a path relative to it) merged under it: sections merge key by key, lists
 * and values replace, an empty section changes nothing. Each file's `packs` are found from that file's folder.
 */
export function readConfigFile(file: string, from: string[] = []): unknown {
  const raw = readYaml(file);
  if (!isRecord(raw)) return raw;
  const { extends: base, ...own } = raw;
  if (Array.isArray(own.packs)) own.packs = own.packs.map((p) => (typeof p === 'string' ? packDir(p, dirname(file)) : p));
  if (base === undefined) return own;
  if (typeof base !== 'string') throw new ConfigError(file, ['extends: expected the path of the config file this one builds on']);
  const basePath = resolve(dirname(file), base);
  const chain = [...from, resolve(file)];
  if (chain.includes(basePath)) throw new ConfigError(file, [`extends: a loop: ${[...chain, basePath].join(' → ')}`]);
  const under = readConfigFile(basePath, chain);
  if (!isRecord(under)) throw new ConfigError(basePath, ['expected a mapping of config sections (another file extends it)']);
  return mergeConfig(under, own);
}

function mergeConfig(base: unknown, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = isRecord(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(over)) {
    if (value === null || value === undefined) continue; // a section left empty (all of it commented out) changes nothing
    merged[key] = isRecord(value) && isRecord(merged[key]) ? mergeConfig(merged[key], value) : value;
  }
  return merged;
}

/** A YAML file's content; an unreadable or malformed file is a ConfigError. */
export function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message}`]);
  }
  return raw;
}
