// The target guard on the time-skipping server: attempt budget per window, one remediation per target.
import { guardStateQuery, guardWorkflowId, incidentStatusQuery } from '../workflows/definitions';
import { runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis({ timeSkipping: true });

test('a 4th attempt within 5 minutes is refused; after the window it is allowed', async () => {
  await t.redis.config('SET', 'maxmemory', '0'); // nothing to relieve: each granted attempt ends "not needed"
  const input = {
    runbook: 'redis-memory-relief',
    severity: 'warning' as const,
    params: { redis: t.mend.redisName(), pattern: 'session:*' },
  };
  // Started together, they queue at the guard; the test clock stands still until a result is awaited.
  const handles = await Promise.all([1, 2, 3, 4].map(() => t.mend.start(input)));
  const finished = async () => (await Promise.all(handles.map((h) => h.describe()))).every((d) => d.status.name === 'COMPLETED');
  await waitFor(finished, 'all four incidents to end');
  const records = [];
  for (const h of handles) records.push(await h.result()); // one at a time: the time-skipping client needs it
  const statuses = records.map((r) => r.status).sort();
  expect(statuses).toEqual(['not-needed', 'not-needed', 'not-needed', 'refused']);
  const refused = records.find((r) => r.status === 'refused')!;
  expect(refused.reason).toMatch(/attempt budget spent: 3 of 3/);
  expect(refused.attempts).toEqual([]);
  const attemptNumbers = records.flatMap((r) => r.timeline.filter((t: { event: string }) => t.event === 'target acquired').map((t: { detail?: string }) => t.detail));
  expect(attemptNumbers.sort()).toEqual([1, 2, 3].map((i) => `redis-memory-relief: attempt ${i} of 3`));

  await t.env!.sleep('5m');
  expect((await t.mend.run(input)).status).toBe('not-needed');
});

test('two incidents on one target never act at once: the second waits for the first', async () => {
  await fillNearMaxmemory(t.redis);
  const name = t.mend.redisName();
  const input = {
    runbook: 'redis-memory-relief',
    severity: 'warning' as const,
    params: { redis: name, pattern: 'session:*', below: 0.9, stabilize: '3m', verifyWithin: '1m' },
  };
  const first = await t.mend.start(input);
  await waitFor(async () => (await runbookView(t.mend.client, first)).waitingFor?.startsWith('stabilization'), 'first to act');
  const second = await t.mend.start(input);
  const guard = t.mend.client.workflow.getHandle(guardWorkflowId(`redis/${name}`));
  const state = await waitFor(async () => {
    const s = await guard.query(guardStateQuery);
    return s.waiting.length === 1 ? s : undefined;
  }, 'the second incident to queue at the guard');
  expect(state.holder?.incidentId).toBe(first.workflowId);
  expect(state.waiting).toEqual([second.workflowId]);
  expect((await second.query(incidentStatusQuery)).status).toBe('waiting-for-target');

  const a = await first.result();
  const b = await second.result();
  expect(a.status).toBe('recovered');
  expect(b.status).toBe('not-needed'); // it acted only after the first had freed memory
  const releasedAt = Date.parse(a.timeline.find((t: { event: string }) => t.event === 'runbook verified')!.at);
  const acquiredAt = Date.parse(b.timeline.find((t: { event: string }) => t.event === 'target acquired')!.at);
  expect(acquiredAt).toBeGreaterThanOrEqual(releasedAt);
});

test('a 10-minute stabilization costs the test under 5 s', async () => {
  await fillNearMaxmemory(t.redis);
  const handle = await t.mend.start({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: t.mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '10m', verifyWithin: '1m' },
  });
  await waitFor(async () => (await runbookView(t.mend.client, handle)).waitingFor === 'stabilization for 10m', 'stabilization');
  const started = Date.now();
  const record = await handle.result();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(record.status).toBe('recovered');
  const stabilized = record.attempts[0];
  expect(Date.parse(stabilized.verifiedAt!) - Date.parse(stabilized.fixedAt!)).toBeGreaterThanOrEqual(10 * 60_000);
});
