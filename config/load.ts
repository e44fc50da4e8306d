// Reads the config file (MEND_CONFIG, default config/mend.yaml), applies env overrides, validates it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { formatIssues } from '../common/zod-issues';
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

/** The project root, found from this file whether it runs from source or from dist/. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'mend.yaml'))) return dir;
  }
  throw new Error(`cannot find mend's project root above ${from}`);
}

export const defaultConfigPath = (): string => join(projectRoot(), 'config', 'mend.yaml');

export function parseConfig(raw: unknown, file = '(inline)', env: NodeJS.ProcessEnv = process.env): MendConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(file, formatIssues(result.error));
  const config = result.data;
  if (env.TEMPORAL_ADDRESS) config.temporal.address = env.TEMPORAL_ADDRESS;
  if (env.TEMPORAL_NAMESPACE) config.temporal.namespace = env.TEMPORAL_NAMESPACE;
  if (env.MEND_TASK_QUEUE) config.temporal.taskQueue = env.MEND_TASK_QUEUE;
  if (env.MEND_METRICS_PORT) config.metrics.port = Number(env.MEND_METRICS_PORT);
  return config;
}

export function loadConfig(file = process.env.MEND_CONFIG ?? defaultConfigPath()): MendConfig {
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
  return parseConfig(raw, file);
}
