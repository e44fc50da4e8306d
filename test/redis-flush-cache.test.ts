// A destructive step with no undo: refused by the default policy before anyone is asked; allowed when policy says so.
import type { Redis } from 'ioredis';
import { redisClient, redisState, startMend, type Mend } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';

let server: RedisServer;
let redis: Redis;
let strict: Mend;
let lenient: Mend;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  [strict, lenient] = await Promise.all([
    startMend({ redisUrl: server.url }),
    startMend({ redisUrl: server.url, policy: { refuseDestructiveWithoutUndo: false, approval: { risks: [] } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([strict?.stop(), lenient?.stop()]);
  redis?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await redis.flushall();
  await redis.mset({ 'cache:a': '1', 'cache:b': '2', 'cache:c': '3' });
});

test('the default policy refuses a destructive step without undo, and nothing changes', async () => {
  const before = await redisState(redis);
  const record = await strict.run({ runbook: 'redis-flush-cache', severity: 'warning', params: { redis: strict.redisName() } });
  const [attempt] = record.attempts;
  expect(attempt.status).toBe('refused');
  expect(attempt.reason).toBe('step "flush the cache database" is destructive and has no undo; the safety policy refuses it');
  expect(attempt.approvals).toEqual([]);
  expect(record.status).toBe('escalated');
  expect(await redisState(redis)).toEqual(before);
});

test('a policy that accepts irreversible steps lets it run and verifies it', async () => {
  const record = await lenient.run({ runbook: 'redis-flush-cache', severity: 'warning', params: { redis: lenient.redisName() } });
  expect(record.status).toBe('recovered');
  expect(await redis.dbsize()).toBe(0);
});
