// The target guard on the time-skipping server: attempt budget per window, one remediation per target.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Redis } from 'ioredis';
import { guardStateQuery, guardWorkflowId, incidentStatusQuery } from '../workflows/definitions';
import { runbookView } from './helpers/incident';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';
import { timeSkippingEnv } from './helpers/time-skipping';
import { waitFor } from './helpers/wait';

let env: TestWorkflowEnvironment;
let server: RedisServer;
let redis: Redis;
let mend: Mend;

beforeAll(async () => {
  [env, server] = await Promise.all([timeSkippingEnv(), startRedis()]);
  redis = redisClient(server.url);
  mend = await startMend({ redisUrl: server.url, env });
});
afterAll(async () => {
  await mend?.stop();
  redis?.disconnect();
  await Promise.all([env?.teardown(), server?.stop()]);
});

test('a 4th attempt within 5 minutes is refused; after the window it is allowed', async () => {
  await redis.config('SET', 'maxmemory', '0'); // nothing to relieve: each granted attempt ends "not needed"
  const input = {
    runbook: 'redis-memory-relief',
    severity: 'warning' as const,
    params: { redis: mend.redisName(), pattern: 'session:*' },
  };
  // Started together, they queue at the guard; the test clock stands still until a result is awaited.
  const handles = await Promise.all([1, 2, 3, 4].map(() => mend.start(input)));
  const finished = async () => (await Promise.all(handles.map((h) => h.describe()))).every((d) => d.status.name === 'COMPLETED');
  await waitFor(finished, 'all four incidents to end');
  const records = [];
  for (const h of handles) records.push(await h.result()); // one at a time: the time-skipping client needs it
  const statuses = records.map((r) => r.status).sort();
  expect(statuses).toEqual(['not-needed', 'not-needed', 'not-needed', 'refused']);
  const refused = records.find((r) => r.status === 'refused')!;
  expect(refused.reason).toMatch(/attempt budget spent: 3 of 3/);
  expect(refused.attempts).toEqual([]);
  const attemptNumbers = records.flatMap((r) =>
    r.timeline.filter((t: { event: string }) => t.event === 'target acquired').map((t: { detail?: string }) => t.detail),
  );
  expect(attemptNumbers.sort()).toEqual([1, 2, 3].map((i) => `redis-memory-relief: attempt ${i} of 3`));

  await env.sleep('5m');
  expect((await mend.run(input)).status).toBe('not-needed');
});

test('two incidents on one target never act at once: the second waits for the first', async () => {
  await fillNearMaxmemory(redis);
  const name = mend.redisName();
  const input = {
    runbook: 'redis-memory-relief',
    severity: 'warning' as const,
    params: { redis: name, pattern: 'session:*', below: 0.9, stabilize: '3m', verifyWithin: '1m' },
  };
  const first = await mend.start(input);
  await waitFor(async () => (await runbookView(mend.client, first)).waitingFor?.startsWith('stabilization'), 'first to act');
  const second = await mend.start(input);
  const guard = mend.client.workflow.getHandle(guardWorkflowId(`redis/${name}`));
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
  await fillNearMaxmemory(redis);
  const handle = await mend.start({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '10m', verifyWithin: '1m' },
  });
  await waitFor(async () => (await runbookView(mend.client, handle)).waitingFor === 'stabilization for 10m', 'stabilization');
  const started = Date.now();
  const record = await handle.result();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(record.status).toBe('recovered');
  const stabilized = record.attempts[0];
  expect(Date.parse(stabilized.verifiedAt!) - Date.parse(stabilized.fixedAt!)).toBeGreaterThanOrEqual(10 * 60_000);
});
