// An incident opens with one activity: its settings, the diagnosis and the outcome book's tallies for its ladder.
// A diagnosis that fails and a book that does not answer are recorded, and the incident goes on without them.
import { outcomeBookId } from '../workflows/outcome-definitions';
import { useMendWithRedis } from './helpers/mend';

const t = useMendWithRedis();

const relief = (redis: string) => ({ runbook: 'redis-memory-relief', severity: 'warning' as const, params: { redis, pattern: 'session:*' } });
const detailOf = (timeline: { event: string; detail?: string }[], event: string) => timeline.find((e) => e.event === event)?.detail;

test('one activity opens the incident, then the guard is asked', async () => {
  await t.redis.config('SET', 'maxmemory', '0'); // nothing to relieve
  const handle = await t.mend.start(relief(t.mend.redisName()));
  expect((await handle.result()).status).toBe('not-needed');
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [])).toEqual(['openIncident', 'acquireTarget']);
});

test('a target that cannot be diagnosed: the diagnosis failure is in the timeline, and the ladder is still climbed', async () => {
  const record = await t.mend.run(relief('not-configured'));
  expect(detailOf(record.timeline, 'diagnosed')).toMatch(/^diagnosis failed: .*not-configured/);
  expect(record.attempts[0]?.runbook).toBe('redis-memory-relief');
});

test('an outcome book that does not answer within 5 s: every rung is tried, and the timeline says why', async () => {
  await t.redis.config('SET', 'maxmemory', '0');
  // The book of this worker's queue, started on a queue no worker polls: its queries go unanswered.
  const book = await t.mend.client.workflow.start('runbookOutcomes', { taskQueue: `gone-${t.mend.taskQueue}`, workflowId: outcomeBookId(t.mend.taskQueue), args: [{}] });
  try {
    const record = await t.mend.run(relief(t.mend.redisName()));
    expect(detailOf(record.timeline, 'outcomes unread')).toBe('every rung is tried: the outcome book did not answer within 5 s');
    expect(record.status).toBe('not-needed');
  } finally {
    await book.terminate('test ended');
  }
}, 30_000);
