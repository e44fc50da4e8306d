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
  expect(await redis.keys('*')).toEqual([expect.stringMatching(/^mend:flushed:/)]); // the flush's marker only
});

test('the escalation ladder: light runbook fails and is undone, the heavier one recovers', async () => {
  const pipeline = redis.pipeline();
  for (let i = 0; i < 10; i++) pipeline.set(`session:${i}`, 'x'.repeat(1000));
  await pipeline.exec();
  await redis.config('SET', 'maxmemory', String(1 << 30));
  const record = await lenient.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    // `below` cannot be met by deleting sessions: the first rung fails verification and restores them.
    params: { redis: lenient.redisName(), pattern: 'session:*', below: 0.0000001, stabilize: '100ms', verifyWithin: '1s' },
  });
  expect(record.attempts.map((a) => [a.runbook, a.status])).toEqual([
    ['redis-memory-relief', 'failed'],
    ['redis-flush-cache', 'verified'],
  ]);
  expect(record.attempts[0].steps.map((s) => s.status)).toEqual(['undone']);
  expect(record.status).toBe('recovered');
  expect(record.timeline.filter((t) => t.event === 'target acquired').map((t) => t.detail)).toEqual(['redis-memory-relief: attempt 1 of 3', 'redis-flush-cache: attempt 2 of 3']);
  expect(await redis.keys('*')).toEqual([expect.stringMatching(/^mend:flushed:/)]); // the flush's marker only
});

test('the default policy stops the ladder at the irreversible rung and escalates to people', async () => {
  await redis.config('SET', 'maxmemory', String(1 << 30));
  const record = await strict.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: strict.redisName(), pattern: 'cache:*', below: 0.0000001, stabilize: '100ms', verifyWithin: '1s' },
  });
  expect(record.attempts.map((a) => a.status)).toEqual(['failed', 'refused']);
  expect(record.status).toBe('escalated');
  expect(record.reason).toBe(`no runbook recovered ${record.target} (tried redis-memory-relief → redis-flush-cache)`);
  expect(await redis.mget('cache:a', 'cache:b', 'cache:c')).toEqual(['1', '2', '3']);
});
