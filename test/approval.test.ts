// Approval gates on the time-skipping server, acting on a real Redis.
import { approveSignal, incidentStatusQuery } from '../workflows/definitions';
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { attested, decideAs } from './helpers/approvals';
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
  await decideAs(handle, 'bob', { comment: 'not during the sale' }, 'reject');
  const record = await handle.result();
  expect(record.status).toBe('rejected');
  expect(record.reason).toContain('rejected by bob: not during the sale');
  expect(record.attempts[0].steps).toEqual([]);
  expect(await redisState(t.redis)).toEqual(before);
});

test('an allowed approver lets it proceed; an outsider, a plain signal naming alice and a "by" not the sender are refused and recorded', async () => {
  const handle = await t.mend.start(critical(t.mend));
  await awaitApproval(t.mend.client, handle);
  await decideAs(handle, 'mallory', { comment: 'trust me' });
  // Any Temporal client may name itself and anyone in the payload: neither is an authenticated identity.
  await handle.signal(approveSignal, { by: 'alice', comment: 'from a plain SDK client' });
  await decideAs(handle, 'mallory', { by: 'alice', comment: 'as alice' });
  await waitFor(async () => (await runbookView(t.mend.client, handle)).approvals.length === 3, 'the refusals to be recorded');
  expect(await t.redis.exists('session:1')).toBe(1);
  await decideAs(handle, 'alice', { comment: 'go' });
  const record = await handle.result();
  const [attempt] = record.attempts;
  expect(attempt.approvals).toEqual([
    expect.objectContaining({ by: 'mallory', channel: 'http', accepted: false, reason: 'mallory is not an allowed approver' }),
    expect.objectContaining({
      by: 'unauthenticated (claims alice)',
      claimed: 'alice',
      channel: 'temporal',
      accepted: false,
      reason: expect.stringMatching(/^not authenticated: a Temporal client names itself.*history event \d+ \(approve, .*\), Temporal identity/),
    }),
    expect.objectContaining({ by: 'mallory', claimed: 'alice', accepted: false, reason: '"by" says alice but the sender authenticated as mallory' }),
    expect.objectContaining({ by: 'alice', accepted: true, comment: 'go', evidence: 'attested by the test suite' }),
  ]);
  expect(record.status).toBe('recovered');
  expect((attempt.steps[0].result as { keys: number }).keys).toBe(20);
  expect(await t.redis.exists('session:1')).toBe(0);
});

test('a quorum of 2 is met neither by one person twice nor by the requester plus one', async () => {
  // Its own server: workflows left on a stopped worker's queue would hold back time skipping for the others.
  const ownEnv = await timeSkippingEnv();
  const strict = await startMend({ redisUrl: t.server.url, env: ownEnv, policy: { approval: { approvers: ['alice', 'bob', 'carol'], quorum: 2 } } });
  const approvals = async (handle: WorkflowHandle, n: number) =>
    waitFor(async () => {
      const v = await runbookView(strict.client, handle);
      return v.approvals.length === n ? v : undefined;
    }, `${n} approvals recorded`);
  try {
    const handle = await strict.start(critical(strict));
    await awaitApproval(strict.client, handle);
    await decideAs(handle, 'alice');
    await decideAs(handle, 'alice', { comment: 'again' });
    const view = await approvals(handle, 2);
    expect(view.approval?.approvedBy).toEqual(['alice']);
    expect(view.approvals[1]).toMatchObject({ accepted: false, reason: expect.stringContaining('distinct approvers') });
    // The incident relayed alice's approval to the runbook: a copy of that relay, or a relay the incident never sent
    // (naming carol), counts for no one.
    const runbook = strict.client.workflow.getHandle((await handle.query(incidentStatusQuery)).runbookWorkflowId!);
    const relayed = (await runbook.fetchHistory()).events!.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'approve')!;
    await runbook.signal('approve', defaultPayloadConverter.fromPayload(relayed.workflowExecutionSignaledEventAttributes!.input!.payloads![0]));
    const { runId } = await runbook.describe();
    const { runId: incidentRunId } = await handle.describe();
    const carol = { identity: 'carol', groups: [], channel: 'http', evidence: 'forged' };
    await runbook.signal('approve', { relay: { id: 'forged', workflowId: handle.workflowId, runId: incidentRunId, to: { workflowId: runbook.workflowId, runId }, sender: carol } });
    const refused = await approvals(handle, 4);
    expect(refused.approvals.slice(2)).toEqual([
      expect.objectContaining({ by: 'unauthenticated', accepted: false, reason: expect.stringMatching(/^not authenticated: a copy of the signal of history event \d+/) }),
      expect.objectContaining({ by: 'unauthenticated', accepted: false, reason: expect.stringMatching(/sent no such approve signal here \(relay forged\)/) }),
    ]);
    expect(refused.approval?.approvedBy).toEqual(['alice']);
    // The incident's own details (Temporal UI, mend status) follow the count too.
    await waitFor(async () => (await handle.query(incidentStatusQuery)).approval?.approvedBy.length === 1, 'the incident to show 1/2');
    expect(await t.redis.exists('session:1')).toBe(1);
    await decideAs(handle, 'bob');
    expect((await handle.result()).status).toBe('recovered');
    expect(await t.redis.exists('session:1')).toBe(0);

    // Started by hand by bob (authenticated, as the gateway starts it): bob's own approval does not count.
    await fillNearMaxmemory(t.redis);
    const id = `incident-${randomUUID()}`;
    const requested = await strict.start(attested(id, 'start', 'bob', critical(strict)), id);
    await awaitApproval(strict.client, requested);
    expect((await requested.query(incidentStatusQuery)).timeline).toContainEqual(expect.objectContaining({ event: 'requested', detail: expect.stringMatching(/^by bob \(http/) }));
    await decideAs(requested, 'bob', { comment: 'my own request' });
    await decideAs(requested, 'carol');
    const split = await approvals(requested, 2);
    expect(split.approvals[0]).toMatchObject({ by: 'bob', accepted: false, reason: 'bob started this incident by hand and may not approve it (separation of duties)' });
    expect(split.approval?.approvedBy).toEqual(['carol']);
    expect(await t.redis.exists('session:1')).toBe(1);
    await decideAs(requested, 'alice');
    expect((await requested.result()).status).toBe('recovered');
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
