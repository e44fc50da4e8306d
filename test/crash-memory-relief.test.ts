// kill -9 on redis-memory-relief, recovered and undone: the crash harness kills the worker after every step, every
// undo and every turn at the guard (and at the delete's heartbeat, and during the timer); each run ends as the clean one did, with
// the same CONFIG SET, DEL and RESTORE calls counted by Redis itself, and the same keys and maxmemory left.
import { crashEveryPoint, exceptAfterReads, expectLikeClean, inRunbook, startCrashIncident, type CrashReport, type Point } from '../sdk/crash-harness';
import { crashConfig } from './helpers/crash-setup';
import { commandCalls, useCrashRedis } from './helpers/crash-redis';
import { fillNearMaxmemory } from './helpers/mend';

const t = useCrashRedis();

/** Starts memory relief on a fresh target each run, on a Redis just filled near its maxmemory. */
async function crashMemoryRelief(prefix: string, params: Record<string, unknown>, points?: (p: Point) => boolean): Promise<CrashReport> {
  let run = 0;
  let initial = 0;
  const sessions = () => t.redis.exists(...Array.from({ length: 20 }, (_, i) => `session:${i}`));
  const maxmemory = async () => Number((await t.redis.config('GET', 'maxmemory'))[1]);
  return crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { redisUrl: t.server.url }),
    points,
    reset: async () => {
      await fillNearMaxmemory(t.redis);
      initial = await maxmemory();
    },
    start: () =>
      startCrashIncident(t.client, prefix, `${prefix}-${run}`, {
        runbook: 'redis-memory-relief',
        severity: 'warning',
        params: { redis: `${prefix}-${run++}`, pattern: 'session:*', stabilize: '1s', ...params },
      }),
    count: async () => ({
      ...(await commandCalls(t.redis, 'config|set', 'del', 'restore')),
      sessionsLeft: await sessions(),
      maxmemoryAsFilled: Number((await maxmemory()) === initial),
    }),
  });
}

/** A crash after a read repeats only the read: crash-cache-warmup tries those (and the incident's settings and diagnosis). */
const acting = exceptAfterReads(['redisMemory', 'incidentSettings', 'diagnose']);

test('redis-memory-relief: killed at every step, it deletes and raises maxmemory once, and recovers', async () => {
  // The incident's turn at the guard is tried in the case below.
  const report = await crashMemoryRelief(`crash-relief-${Date.now()}`, { maxmemoryBytes: 100_000_000, verifyWithin: '20s' }, (p) => acting(p) && inRunbook(p));
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { 'config|set': 1, del: 20, restore: 0, sessionsLeft: -20, maxmemoryAsFilled: -1 } });
  expectLikeClean(report);
}, 600_000);

test('redis-memory-relief undone: killed at every step and every undo, the keys and maxmemory come back once', async () => {
  // Memory cannot fall below 1% of maxmemory: verification fails, both steps are undone, and the heavier rung
  // (redis-flush-cache, destructive without undo) is refused by the default policy: both turns at the guard, and the
  // escalation, are points here.
  const report = await crashMemoryRelief(`crash-undo-${Date.now()}`, { maxmemoryBytes: 100_000_000, below: 0.01, verifyWithin: '2s' }, acting);
  expect(report.clean).toMatchObject({
    outcome: { status: 'escalated', attempts: ['redis-memory-relief: failed', 'redis-flush-cache: refused'] },
    effects: { 'config|set': 2, del: 20, restore: 20, sessionsLeft: 0, maxmemoryAsFilled: 0 },
  });
  expectLikeClean(report);
}, 600_000);
