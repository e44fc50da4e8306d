// What the Redis crash tests share: a Redis and a Temporal client, Redis's own command counters, and a worker config
// for crash runs.
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { redisClient, testConfig } from './mend';
import { startRedis, type RedisServer } from './processes';
import type { CrashReport } from './crash-harness';
import { processConfigFile } from './worker-process';

/** Calls of each Redis command so far, by Redis's own counters (INFO commandstats). */
export async function commandCalls(redis: Redis, ...commands: string[]): Promise<Record<string, number>> {
  const stats = await redis.info('commandstats');
  return Object.fromEntries(commands.map((c) => [c, Number(new RegExp(`cmdstat_${c.replace('|', '\\|')}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)]));
}

/** A worker config for crash runs: a fresh target name per run, no budget or cooldown between runs, no sticky cache. */
export function crashConfig(redisUrl: string, prefix: string): string {
  const config = testConfig(redisUrl, { attempts: { max: 1000, window: '1m' }, cooldown: '1s', activityTimeout: '20s' }, prefix, true, 200);
  config.worker.maxCachedWorkflows = 0;
  return processConfigFile(config, prefix);
}

export const expectLikeClean = (report: CrashReport): void => {
  expect(report.runs.length).toBeGreaterThan(0);
  expect(report.differing).toEqual([]);
};

/** A Redis server and a Temporal client for the test file (beforeAll / afterAll). */
export function useCrashRedis(): { server: RedisServer; redis: Redis; client: Client } {
  const t = {} as { server: RedisServer; redis: Redis; client: Client; connection: Connection };
  beforeAll(async () => {
    t.server = await startRedis();
    t.redis = redisClient(t.server.url);
    t.connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
    t.client = new Client({ connection: t.connection });
  });
  afterAll(async () => {
    await t.connection?.close();
    t.redis?.disconnect();
    await t.server?.stop();
  });
  return t;
}
