// Dry-run plans with the real activities in plan mode: nothing changes, no approval is awaited, no budget is spent.
import { WorkflowNotFoundError } from '@temporalio/client';
import { guardWorkflowId } from '../workflows/definitions';
import { fillNearMaxmemory, redisState, useMendWithRedis } from './helpers/mend';

const t = useMendWithRedis();

test('a dry-run changes nothing and returns the plan', async () => {
  await fillNearMaxmemory(t.redis);
  const before = await redisState(t.redis);
  const name = t.mend.redisName();
  const record = await t.mend.run({
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
  expect(await redisState(t.redis)).toEqual(before);
  await expect(t.mend.client.workflow.getHandle(guardWorkflowId(`redis/${name}`)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});
