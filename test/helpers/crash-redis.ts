// What the Redis crash tests share: a Redis and a Temporal client, and Redis's own command counters.
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { useCrashClient } from './crash-setup';
import { redisClient } from './mend';
import { startRedis, type RedisServer } from './processes';

/** Calls of each Redis command so far, by Redis's own counters (INFO commandstats). */
export async function commandCalls(redis: Redis, ...commands: string[]): Promise<Record<string, number>> {
  const stats = await redis.info('commandstats');
  return Object.fromEntries(commands.map((c) => [c, Number(new RegExp(`cmdstat_${c.replace('|', '\\|')}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)]));
}

/** A Redis server and a Temporal client for the test file (beforeAll / afterAll). */
export function useCrashRedis(): { server: RedisServer; redis: Redis; client: Client } {
  const t = useCrashClient() as { server: RedisServer; redis: Redis; client: Client };
  beforeAll(async () => {
    t.server = await startRedis();
    t.redis = redisClient(t.server.url);
  });
  afterAll(async () => {
    t.redis?.disconnect();
    await t.server?.stop();
  });
  return t;
}
