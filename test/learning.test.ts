// Learning from outcomes on a real Redis: the memory-relief rung never helps when memory is full of cache keys it
// may not delete, and the flush that follows does. After two such incidents (minSample 2 here) the third goes
// straight to the flush, says why in its timeline, and recovers sooner; `mend runbooks --stats` shows the record.
import type { RecoveryRecord } from '../common/types';
import type { RunbookStats } from '../cli/runbook-stats';
import { runCli } from './helpers/cli';
import { useMendWithRedis } from './helpers/mend';

const t = useMendWithRedis({
  // The flush has no undo and is high risk: this organisation accepts both, and no attempt budget or cooldown
  // stands between the incidents.
  policy: { refuseDestructiveWithoutUndo: false, approval: { risks: [] }, attempts: { max: 20 }, cooldown: '0s' },
  config: { learning: { window: 5, minSample: 2 } },
});

/** Cache keys (not expendable) until Redis is at 98% of its maxmemory. */
async function fillWithCache(): Promise<void> {
  await t.redis.config('SET', 'maxmemory', '0');
  await t.redis.flushall();
  const pipeline = t.redis.pipeline();
  for (let i = 0; i < 200; i++) pipeline.set(`cache:product:${i}`, 'x'.repeat(10_000));
  await pipeline.exec();
  const used = Number(/used_memory:(\d+)/.exec(await t.redis.info('memory'))![1]);
  await t.redis.config('SET', 'maxmemory', String(Math.floor(used / 0.98)));
}

async function memoryIncident(redis: string): Promise<RecoveryRecord> {
  await fillWithCache();
  return t.mend.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    summary: 'Redis memory high',
    params: { redis, pattern: 'session:*', stabilize: '2s', verifyWithin: '4s' },
  });
}

test('rungs that never recovered a signature are skipped, said in the timeline, and the MTTR drops', async () => {
  const redis = t.mend.redisName();
  const trained: RecoveryRecord[] = [];
  for (let i = 0; i < 2; i++) {
    const record = await memoryIncident(redis);
    expect(record.attempts.map((a) => [a.runbook, a.status])).toEqual([
      ['redis-memory-relief', 'failed'],
      ['redis-flush-cache', 'verified'],
    ]);
    expect(record.status).toBe('recovered');
    trained.push(record);
  }

  const learned = await memoryIncident(redis);
  expect(learned.status).toBe('recovered');
  expect(learned.attempts.map((a) => a.runbook)).toEqual(['redis-flush-cache']);
  const signature = `redis-memory-relief (started by hand) on redis/${redis}`;
  expect(learned.timeline.find((e) => e.event === 'rung skipped by outcomes')?.detail).toBe(`redis-memory-relief: 0 of 2 recent attempts recovered ${signature}`);
  expect(await t.redis.dbsize()).toBe(1); // the flush's marker alone
  const before = Math.min(...trained.map((r) => r.mttrSeconds!));
  expect(learned.mttrSeconds!).toBeLessThan(before - 5); // the relief's settle and verification are gone

  const stats = await runCli(t.mend.config, 'runbooks', '--stats', '--json');
  expect(stats.code).toBe(0);
  const rows = JSON.parse(stats.out) as RunbookStats[];
  const mine = (runbook: string) => rows.find((r) => r.signature === signature && r.runbook === runbook);
  expect(mine('redis-memory-relief')).toMatchObject({ recent: { attempts: 2, recovered: 0 }, skipped: true });
  expect(mine('redis-flush-cache')).toMatchObject({ recent: { attempts: 3, recovered: 3 }, total: { attempts: 3, recovered: 3 }, skipped: false });
  const text = await runCli(t.mend.config, 'runbooks', '--stats');
  expect(text.out).toMatch(new RegExp(`on redis/${redis}\\s+redis-memory-relief\\s+0 of 2 recovered\\s+0 of 2\\s+-\\s+skipped`));
});
