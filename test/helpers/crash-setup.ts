// What mend's own crash tests share around the harness (sdk/crash-harness.ts): a Temporal client and a worker config.
import { Client, Connection } from '@temporalio/client';
import type { MysqlConfig } from '../../runbooks/mysql/config';
import { parseConfig } from '../../config/load';
import { crashLearning, crashPolicy } from '../../sdk/crash-harness';
import { testConfig } from './mend';
import { processConfigFile } from './worker-process';

/** A Temporal client for a crash test file (beforeAll / afterAll). */
export function useCrashClient(): { client: Client } {
  const t = {} as { client: Client; connection: Connection };
  beforeAll(async () => {
    t.connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
    t.client = new Client({ connection: t.connection });
  });
  afterAll(async () => t.connection?.close());
  return t;
}

/** A worker config for crash runs on task queue `prefix` (Redis instances `<prefix>-<n>`): no budget or cooldown between runs. */
export function crashConfig(
  prefix: string,
  options: {
    redisUrl?: string;
    kubernetes?: { cluster: string; kubeconfig: string };
    mysql?: MysqlConfig;
    policy?: Record<string, unknown>;
    /** More sections: `packs` and theirs, `core`. */
    sections?: Record<string, unknown>;
  } = {},
): string {
  const policy = { ...crashPolicy, ...options.policy };
  const base = testConfig(options.redisUrl, policy, prefix, true, 200);
  const config = options.sections ? parseConfig({ ...base, ...options.sections }, 'test', {}) : base;
  if (options.kubernetes) config.kubernetes = { [options.kubernetes.cluster]: { kubeconfig: options.kubernetes.kubeconfig } };
  if (options.mysql) config.mysql = options.mysql;
  Object.assign(config.learning, crashLearning);
  return processConfigFile(config, prefix);
}
