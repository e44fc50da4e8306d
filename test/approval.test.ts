// Approval gates on the time-skipping server, acting on a real Redis.
import { approveSignal, incidentStatusQuery, rejectSignal } from '../workflows/definitions';
import { awaitApproval, runbookView } from './helpers/incident';
import { fillNearMaxmemory, redisState, startMend, useMendWithRedis, type Mend } from './helpers/mend';
import { timeSkippingEnv } from '../common/time-skipping';
import { waitFor } from './helpers/wait';

const t = useMendWithRedis({ timeSkipping: true });

beforeEach(() => fillNearMaxmemory(t.redis));

// critical severity: the default policy asks for approval before redis-memory-relief acts.
const critical = (m: Mend) => ({
  runbook: 'redis-memory-relief',
  severity: 'critical' as const,
  params: { redis: m.redisName(), pattern: 'session:*', below: 0.9, stabilize: '1s', verifyWithin: '30s' },
});

test('reject leaves the system untouched', async () => {
  const before = await redisState(t.redis);
  const handle = await t.mend.start(critical(t.mend));
  const view = await awaitApproval(t.mend.client, handle);
  expect(view.approval).toMatchObject({ approvers: ['alice', 'bob', 'carol'], quorum: 1 });
  await handle.signal(rejectSignal, { by: 'bob', comment: 'not during the sale' });
  const record = await handle.result();
  expect(record.status).toBe('rejected');
  expect(record.reason).toContain('rejected by bob: not during the sale');
  expect(record.attempts[0].steps).toEqual([]);
  expect(await redisState(t.redis)).toEqual(before);
});

test('an allowed approver lets it proceed; an outsider is refused and recorded', async () => {
  const handle = await t.mend.start(critical(t.mend));
  await awaitApproval(t.mend.client, handle);
  await handle.signal(approveSignal, { by: 'mallory', comment: 'trust me' });
  await waitFor(async () => (await runbookView(t.mend.client, handle)).approvals.length === 1, 'the refusal to be recorded');
  expect(await t.redis.exists('session:1')).toBe(1);
  await handle.signal(approveSignal, { by: 'alice', comment: 'go' });
  const record = await handle.result();
  const [attempt] = record.attempts;
  expect(attempt.approvals).toEqual([
    expect.objectContaining({ by: 'mallory', accepted: false, reason: 'mallory is not an allowed approver' }),
    expect.objectContaining({ by: 'alice', accepted: true, comment: 'go' }),
  ]);
  expect(record.status).toBe('recovered');
  expect((attempt.steps[0].result as { keys: number }).keys).toBe(20);
  expect(await t.redis.exists('session:1')).toBe(0);
});

test('a quorum of 2 needs two distinct approvers', async () => {
  // Its own server: workflows left on a stopped worker's queue would hold back time skipping for the others.
  const ownEnv = await timeSkippingEnv();
  const strict = await startMend({ redisUrl: t.server.url, env: ownEnv, policy: { approval: { approvers: ['alice', 'bob'], quorum: 2 } } });
  try {
    const handle = await strict.start(critical(strict));
    await awaitApproval(strict.client, handle);
    await handle.signal(approveSignal, { by: 'alice' });
    await handle.signal(approveSignal, { by: 'alice', comment: 'again' });
    const view = await waitFor(async () => {
      const v = await runbookView(strict.client, handle);
      return v.approvals.length === 2 ? v : undefined;
    }, 'both approvals recorded');
    expect(view.approval?.approvedBy).toEqual(['alice']);
    expect(view.approvals[1]).toMatchObject({ accepted: false, reason: expect.stringContaining('distinct approvers') });
    // The incident's own details (Temporal UI, mend status) follow the count too.
    await waitFor(async () => (await handle.query(incidentStatusQuery)).approval?.approvedBy.length === 1, 'the incident to show 1/2');
    expect(await t.redis.exists('session:1')).toBe(1);
    await handle.signal(approveSignal, { by: 'bob' });
    const record = await handle.result();
    expect(record.status).toBe('recovered');
    expect(await t.redis.exists('session:1')).toBe(0);
  } finally {
    await strict.stop();
    await ownEnv.teardown();
  }
});

test('a 15-minute approval timeout escalates and aborts, in seconds of test time', async () => {
  const before = await redisState(t.redis);
  const handle = await t.mend.start(critical(t.mend));
  const record = await handle.result();
  // The runbook waited on a real 15-minute timer, which fired (the server skipped the time).
  const runbook = await t.mend.client.workflow.getHandle(`${handle.workflowId}/${record.attempts[0].runbook}`).fetchHistory();
  const timers = runbook.events!.flatMap((e) => e.timerStartedEventAttributes ?? []);
  const approvalTimer = timers.find((t) => Number(t.startToFireTimeout?.seconds) === 15 * 60);
  expect(approvalTimer).toBeDefined();
  expect(runbook.events!.some((e) => e.timerFiredEventAttributes?.timerId === approvalTimer!.timerId)).toBe(true);
  expect(record.status).toBe('escalated');
  expect(record.attempts[0].status).toBe('approval-timeout');
  expect(record.reason).toMatch(/no quorum within 15m/);
  const history = await handle.fetchHistory();
  const escalations = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'escalate');
  expect(escalations).toHaveLength(1);
  expect(await redisState(t.redis)).toEqual(before);
});
