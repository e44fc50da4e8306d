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
  set('temporal', 'taskQueue', env.MEND_TASK_QUEUE);
  set('metrics', 'port', env.MEND_METRICS_PORT === undefined ? undefined : Number(env.MEND_METRICS_PORT));
  set('metrics', 'host', env.MEND_METRICS_HOST);
  set('gateway', 'port', env.MEND_GATEWAY_PORT === undefined ? undefined : Number(env.MEND_GATEWAY_PORT));
  set('gateway', 'host', env.MEND_GATEWAY_HOST);
  if (env.MEND_KUBECONFIG) {
    const clusters = (config.kubernetes ?? {}) as Record<string, Record<string, unknown>>;
    config.kubernetes = { ...clusters, default: { kubeconfig: env.MEND_KUBECONFIG } };
  }
  const mysql = (config.mysql ?? {}) as Record<string, Record<string, unknown>>;
  const mysqlDefault = { ...mysql.default };
  if (env.MEND_MYSQL_NODES) mysqlDefault.nodes = env.MEND_MYSQL_NODES.split(',').map((n) => n.trim());
  if (env.MEND_MYSQL_WRITER_FILE) mysqlDefault.writerEndpoint = { file: env.MEND_MYSQL_WRITER_FILE };
  if (env.MEND_MYSQL_BACKUP_DIR) mysqlDefault.backup = { ...(mysqlDefault.backup as object), dir: env.MEND_MYSQL_BACKUP_DIR };
  if (env.MEND_MYSQL_NODES || env.MEND_MYSQL_WRITER_FILE || env.MEND_MYSQL_BACKUP_DIR) config.mysql = { ...mysql, default: mysqlDefault };
  if (env.MEND_REDIS_URL) {
    const redis = (config.redis ?? {}) as Record<string, Record<string, unknown>>;
    config.redis = { ...redis, default: { ...redis.default, url: env.MEND_REDIS_URL } };
  }
  return config;
}

export function parseConfig(raw: unknown, file = '(inline)', env: NodeJS.ProcessEnv = process.env): MendConfig {
  const result = configSchema.safeParse(withEnv(raw ?? {}, env));
  if (!result.success) throw new ConfigError(file, formatIssues(result.error));
  return result.data;
}

export function loadConfig(file = process.env.MEND_CONFIG ?? defaultConfigPath()): MendConfig {
  return parseConfig(readYaml(file), file);
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
