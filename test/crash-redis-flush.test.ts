// kill -9 on redis-flush-cache, allowed by a policy that accepts its loss: killed after the FLUSHDB, the run still
// flushes once (Redis's own FLUSHDB count) and verifies the database empty.
import { crashEveryPoint, exceptAfterReads, expectLikeClean, inRunbook, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig } from './helpers/crash-setup';
import { commandCalls, useCrashRedis } from './helpers/crash-redis';

const t = useCrashRedis();

test('redis-flush-cache: killed after the flush, it flushes once and verifies', async () => {
  const prefix = `crash-flush-${Date.now()}`;
  let run = 0;
  const keys = Array.from({ length: 20 }, (_, i) => `corrupt:${i}`);
  const policy = { refuseDestructiveWithoutUndo: false, approval: { approvers: ['alice'], risks: [] } };
  const report = await crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { redisUrl: t.server.url, policy }),
    reset: async () => {
      await t.redis.flushall();
      await t.redis.mset(Object.fromEntries(keys.map((k) => [k, 'x'])));
    },
    start: () => startCrashIncident(t.client, prefix, `${prefix}-${run}`, { runbook: 'redis-flush-cache', severity: 'warning', params: { redis: `${prefix}-${run++}` } }),
    count: async () => ({ ...(await commandCalls(t.redis, 'flushdb')), corruptKeys: await t.redis.exists(...keys) }),
    points: (p) => inRunbook(p) && exceptAfterReads(['redisKeyCount'])(p),
  });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered', attempts: ['redis-flush-cache: verified'] }, effects: { flushdb: 1, corruptKeys: -20 } });
  expectLikeClean(report);
}, 300_000);
