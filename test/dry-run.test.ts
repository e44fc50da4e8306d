// Dry-run plans with the real activities in plan mode: nothing changes, no approval is awaited, no budget is spent.
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { guardWorkflowId } from '../workflows/definitions';
import { fillNearMaxmemory, redisClient, redisState, startMend, type Mend } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';

let server: RedisServer;
let redis: Redis;
let mend: Mend;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  mend = await startMend({ redisUrl: server.url });
});
afterAll(async () => {
  await mend?.stop();
  redis?.disconnect();
  await server?.stop();
});

test('a dry-run changes nothing and returns the plan', async () => {
  await fillNearMaxmemory(redis);
  const before = await redisState(redis);
  const name = mend.redisName();
  const record = await mend.run({
    runbook: 'redis-memory-relief',
    severity: 'critical',
    dryRun: true,
    params: { redis: name, pattern: 'session:*', maxmemoryBytes: 64 << 20, stabilize: '10m' },
  });
  expect(record.status).toBe('planned');
  const [plan] = record.attempts;
  expect(plan.dryRun).toBe(true);
  expect(plan.steps.map((s) => [s.name, s.status])).toEqual([
    ['would ask 1 of [alice, bob, carol] to approve: policy requires approval (severity critical)', 'planned'],
    [`set maxmemory to ${64 << 20} bytes`, 'planned'],
    ['delete keys matching session:*', 'planned'],
    ['would wait 10m to stabilize', 'planned'],
    ['would verify "memory below 90% of maxmemory" within 1m', 'planned'],
  ]);
  expect(plan.steps[2].result).toMatchObject({ keys: 20 });
  expect(await redisState(redis)).toEqual(before);
  await expect(mend.client.workflow.getHandle(guardWorkflowId(`redis/${name}`)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
});
