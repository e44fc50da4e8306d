// The guard's rules under time and failure, on the time-skipping server: a failed attempt's cooldown refuses other
// incidents until it ends; a lock held past maxHold is broken, whether its holder was terminated or still runs, and a
// broken holder's late release frees nothing.
import type { WorkflowHandle } from '@temporalio/client';
import type { IncidentInput, RecoveryRecord } from '../common/types';
import { guardStateQuery, guardWorkflowId } from '../workflows/definitions';
import { runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis({ timeSkipping: true, policy: { cooldown: '10m', maxHold: '20m', lockWait: '6h' } });

const relief = (redis: string, params: Record<string, unknown>): IncidentInput => ({
  runbook: 'redis-memory-relief',
  severity: 'warning',
  params: { redis, pattern: 'session:*', verifyWithin: '1m', ...params },
});
const guardOf = (redis: string) => t.mend.client.workflow.getHandle(guardWorkflowId(`redis/${redis}`));
const at = (r: RecoveryRecord, event: string) => Date.parse(r.timeline.find((e) => e.event === event)!.at);

/**
 * An incident's record once it ended, read from its history: `result()` lets the time-skipping server run the clock
 * while it waits, and a guard waiting out a cooldown would have it skipped at once.
 */
async function withoutSkipping(handle: WorkflowHandle): Promise<RecoveryRecord> {
  const completed = await waitFor(async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    return events.at(-1)?.workflowExecutionCompletedEventAttributes;
  }, `${handle.workflowId} to end`);
  return JSON.parse(Buffer.from(completed!.result!.payloads![0].data!).toString());
}

/** Starts an incident that acts and then holds the target through a long stabilization. */
async function holding(redis: string, stabilize: string): Promise<WorkflowHandle> {
  await fillNearMaxmemory(t.redis);
  const handle = await t.mend.start(relief(redis, { below: 0.9, stabilize }));
  await waitFor(async () => (await runbookView(t.mend.client, handle)).waitingFor?.startsWith('stabilization'), 'the holder to act');
  return handle;
}

/** Starts an incident on a held target and waits until it queues. */
async function queuedBehind(redis: string, params: Record<string, unknown>): Promise<WorkflowHandle> {
  const handle = await t.mend.start(relief(redis, params));
  await waitFor(async () => (await guardOf(redis).query(guardStateQuery)).waiting.includes(handle.workflowId), 'the second incident to queue');
  return handle;
}

test('a failed attempt cools the target down: another incident is refused until the cooldown ends, then it acts', async () => {
  const redis = t.mend.redisName();
  await fillNearMaxmemory(t.redis);
  // Memory cannot fall below 1%: verification fails and the steps are undone; the attempt failed.
  const failed = await withoutSkipping(await t.mend.start(relief(redis, { below: 0.01, stabilize: '1s', verifyWithin: '2s' })));
  expect(failed.attempts[0].status).toBe('failed');
  const { cooldownUntil } = await guardOf(redis).query(guardStateQuery);
  expect(Date.parse(cooldownUntil!) - at(failed, 'runbook failed')).toBeGreaterThanOrEqual(10 * 60_000 - 1_000);

  const refused = await withoutSkipping(await t.mend.start(relief(redis, { below: 0.9, stabilize: '1s' })));
  expect(refused.status).toBe('refused');
  expect(refused.reason).toMatch(/cooling down after a failed attempt until/);
  expect(refused.attempts).toEqual([]);

  await t.env!.sleep('10m');
  const after = await t.mend.run(relief(redis, { below: 0.9, stabilize: '1s' }));
  expect(after.status).toBe('recovered');
});

test('a holder terminated while it holds the target: the lock is broken at maxHold and the queued incident acts', async () => {
  const redis = t.mend.redisName();
  const holder = await holding(redis, '3h');
  const queued = await queuedBehind(redis, { below: 0.9, stabilize: '1s' });
  await holder.terminate('the operator stopped it');

  const record: RecoveryRecord = await queued.result();
  expect(record.status).toBe('not-needed'); // the terminated holder had freed the memory
  const guard = await guardOf(redis).query(guardStateQuery);
  expect(guard.history.map((h) => [h.event, h.detail])).toContainEqual(['lock broken', `${holder.workflowId} held the target past maxHold`]);
  const heldSince = Date.parse(guard.history.find((h) => h.event === 'granted' && h.detail!.startsWith(holder.workflowId))!.at);
  expect(at(record, 'target acquired') - heldSince).toBeGreaterThanOrEqual(20 * 60_000);
});

test('a holder still running past maxHold loses the lock; its late release does not free the next holder', async () => {
  const redis = t.mend.redisName();
  const holder = await holding(redis, '30m');
  // Memory cannot fall below 1%: the next incident acts when granted (at 20m) and holds through its stabilization
  // (to 35m), within its own maxHold (40m), when the broken holder releases (30m).
  const queued = await queuedBehind(redis, { below: 0.01, stabilize: '15m', verifyWithin: '2s' });

  const late: RecoveryRecord = await holder.result();
  expect(late.status).toBe('recovered');
  const guard = await guardOf(redis).query(guardStateQuery);
  expect(guard.history.map((h) => [h.event, h.detail])).toContainEqual(['lock broken', `${holder.workflowId} held the target past maxHold`]);
  // The broken holder released at 30m; the queued incident, granted at 20m, still holds the target.
  expect(guard.holder?.incidentId).toBe(queued.workflowId);
  expect((await queued.result()).attempts[0].status).toBe('failed');
  expect((await guardOf(redis).query(guardStateQuery)).holder).toBeUndefined();
});
