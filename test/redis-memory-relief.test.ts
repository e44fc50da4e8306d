// redis-memory-relief on a real Redis: the saga's undo restores the exact prior state; success frees memory.
import { runbookView } from './helpers/incident';
import { redisState, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis();

async function seed(): Promise<void> {
  await t.redis.flushall();
  const big = 'x'.repeat(10_000);
  const pipeline = t.redis.pipeline();
  for (let i = 0; i < 300; i++) {
    if (i % 3 === 0) pipeline.set(`session:${i}`, `${i}:${big}`, 'EX', 3600);
    else pipeline.set(`session:${i}`, `${i}:${big}`);
  }
  for (let i = 0; i < 50; i++) pipeline.hset(`keep:${i}`, { a: String(i), b: 'y' });
  pipeline.rpush('keep:list', 'a', 'b', 'c');
  await pipeline.exec();
}

test('a verification that cannot pass undoes every step in reverse and leaves Redis exactly as it was', async () => {
  await seed();
  await t.redis.config('SET', 'maxmemory', String(1 << 30));
  const before = await redisState(t.redis);

  const record = await t.mend.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: t.mend.redisName(), pattern: 'session:*', maxmemoryBytes: 2 * 2 ** 30, below: 0.000001, stabilize: '500ms', verifyWithin: '2s' },
  });

  expect(record.status).toBe('escalated');
  const [attempt] = record.attempts;
  expect(attempt.status).toBe('failed');
  expect(attempt.reason).toMatch(/verification .* did not pass/);
  expect(attempt.steps.map((s) => [s.name, s.status])).toEqual([
    [`set maxmemory to ${2 * 2 ** 30} bytes`, 'undone'],
    ['delete keys matching session:*', 'undone'],
  ]);
  const [maxmemoryStep, deleteStep] = attempt.steps;
  expect(Date.parse(deleteStep.undoneAt!)).toBeLessThanOrEqual(Date.parse(maxmemoryStep.undoneAt!));
  expect((deleteStep.result as { keys: number }).keys).toBe(300);
  expect(await redisState(t.redis)).toEqual(before);
});

test('memory pressure is relieved: expendable keys go, others stay, verification passes', async () => {
  await seed();
  const { used_memory } = Object.fromEntries(
    (await t.redis.info('memory'))
      .split('\r\n')
      .map((l) => l.split(':'))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k, Number(v)]),
  ) as { used_memory: number };
  await t.redis.config('SET', 'maxmemory', String(Math.floor(used_memory * 1.02)));

  const record = await t.mend.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: t.mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '200ms', verifyWithin: '10s' },
  });

  expect(record.status).toBe('recovered');
  expect(record.attempts[0].verifications[0]).toMatchObject({ ok: true });
  expect(await t.redis.keys('session:*')).toEqual([]);
  expect((await t.redis.keys('keep:*')).length).toBe(51);
  expect(record.mttrSeconds).toBeGreaterThan(0);
});

test('undo never overwrites what the application wrote after the delete', async () => {
  await seed();
  await t.redis.config('SET', 'maxmemory', String(1 << 30));
  const handle = await t.mend.start({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: t.mend.redisName(), pattern: 'session:*', below: 0.000001, stabilize: '3s', verifyWithin: '1s' },
  });
  await waitFor(async () => (await runbookView(t.mend.client, handle)).waitingFor === 'stabilization for 3s', 'the delete');
  expect(await t.redis.exists('session:1')).toBe(0);
  await t.redis.set('session:7', 'written by the app after the delete');
  const record = await handle.result();
  expect(record.attempts[0].steps.map((s: { status: string }) => s.status)).toEqual(['undone']);
  expect(await t.redis.get('session:7')).toBe('written by the app after the delete');
  expect(await t.redis.get('session:8')).toMatch(/^8:x+$/);
  expect(await t.redis.ttl('session:9')).toBeGreaterThan(3500);
});
