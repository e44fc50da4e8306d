// kill -9 on redis-memory-relief, recovered and undone: the crash harness kills the worker after every activity and
// every undo (and at the delete's heartbeat, and during each kind of timer); each run ends as the clean one did, with
// the same CONFIG SET, DEL and RESTORE calls counted by Redis itself, and the same keys and maxmemory left.
import { incident } from '../workflows/incident';
import { crashEveryPoint, type CrashReport, type Point } from './helpers/crash-harness';
import { commandCalls, crashConfig, expectLikeClean, useCrashRedis } from './helpers/crash-redis';
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
    configPath: crashConfig(t.server.url, prefix),
    points,
    reset: async () => {
      await fillNearMaxmemory(t.redis);
      initial = await maxmemory();
    },
    start: () =>
      t.client.workflow.start(incident, {
        taskQueue: prefix,
        workflowId: `${prefix}-${run}`,
        workflowTaskTimeout: '3s', // a task the killed worker held is retried sooner
        args: [{ runbook: 'redis-memory-relief', severity: 'warning', params: { redis: `${prefix}-${run++}`, pattern: 'session:*', stabilize: '1s', ...params } }],
      }),
    count: async () => ({
      ...(await commandCalls(t.redis, 'config|set', 'del', 'restore')),
      sessionsLeft: await sessions(),
      maxmemoryAsFilled: Number((await maxmemory()) === initial),
    }),
  });
}

test('redis-memory-relief: killed at every activity, it deletes and raises maxmemory once, and recovers', async () => {
  // The incident's own points are tried in crash-cache-warmup and in the case below.
  const report = await crashMemoryRelief(`crash-relief-${Date.now()}`, { maxmemoryBytes: 100_000_000, verifyWithin: '20s' }, (p) => p.workflowType !== 'incident');
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { 'config|set': 1, del: 20, restore: 0, sessionsLeft: -20, maxmemoryAsFilled: -1 } });
  expectLikeClean(report);
}, 600_000);

test('redis-memory-relief undone: killed at every activity and every undo, the keys and maxmemory come back once', async () => {
  // Memory cannot fall below 1% of maxmemory: verification fails, both steps are undone, and the heavier rung
  // (redis-flush-cache, destructive without undo) is refused by the default policy. The incident's settings and
  // diagnosis are tried in crash-cache-warmup; its second turn at the guard and the escalation, here.
  const opening = (p: Point) => p.mode !== 'timer' && ['incidentSettings', 'diagnose'].includes(p.activityType);
  const report = await crashMemoryRelief(`crash-undo-${Date.now()}`, { maxmemoryBytes: 100_000_000, below: 0.01, verifyWithin: '2s' }, (p) => !opening(p));
  expect(report.clean).toMatchObject({
    outcome: { status: 'escalated', attempts: ['redis-memory-relief: failed', 'redis-flush-cache: refused'] },
    effects: { 'config|set': 2, del: 20, restore: 20, sessionsLeft: 0, maxmemoryAsFilled: 0 },
  });
  expectLikeClean(report);
}, 600_000);
