// One incident per incident key however often, and however concurrently, the alert is delivered; a resolution
// that arrives before a destructive step makes the runbook stand down instead of acting.
import { decideAs } from './helpers/approvals';
import { incidentStatusQuery, runbookStatusQuery } from '../workflows/definitions';
import { alertmanagerPayload } from './fixtures/alerts';
import { runCli } from './helpers/cli';
import { startGateway, type Gateway } from './helpers/gateway';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisState, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';

jest.setTimeout(120_000);

const fx = useMendWithRedis();
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(fx.mend.config, {
    routes: [
      {
        matchers: ['alertname="RedisMemoryHigh"'],
        runbook: 'redis-memory-relief',
        params: { redis: '{{ labels.redis }}', pattern: 'session:*', stabilize: '100ms' },
      },
    ],
  });
});
afterAll(() => gateway?.close());

const alert = (redis: string, severity = 'warning') => ({
  labels: { alertname: 'RedisMemoryHigh', redis, severity },
  annotations: { summary: 'Redis is near maxmemory' },
  startsAt: '2026-11-21T09:00:00Z',
});

const runsOf = async (id: string) => (await gateway.client.workflow.count(`WorkflowId = '${id}'`)).count;

test('a firing repeated 50 times is one incident, which counts every notification', async () => {
  await fx.redis.config('SET', 'maxmemory', '0');
  const body = alert(fx.mend.redisName());
  const ids = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const reply = await gateway.post('/alerts', body);
    expect(reply.status).toBe(202);
    ids.add(reply.body.incidents[0].incidentId);
  }
  expect(ids.size).toBe(1);
  const [id] = ids;
  const handle = gateway.client.workflow.getHandle(id);
  const view = await waitFor(async () => {
    const v = await handle.query(incidentStatusQuery);
    return v.alerts?.notifications === 50 && v.record ? v : undefined;
  }, 'all 50 notifications to reach the incident, and its runbook to finish');
  expect(view.record!.status).toBe('not-needed');
  expect(view.alerts!.alerts).toHaveLength(1);
  expect(view.timeline.filter((t) => t.event.startsWith('alert'))).toEqual([]);
  expect(await runsOf(id)).toBe(1);
});

test('concurrent duplicate deliveries of an Alertmanager group give exactly one incident', async () => {
  await fx.redis.config('SET', 'maxmemory', '0');
  const redis = fx.mend.redisName();
  const payload = alertmanagerPayload([alert(redis)], { alertname: 'RedisMemoryHigh', redis });
  const replies = await Promise.all(Array.from({ length: 25 }, () => gateway.post('/alerts/alertmanager', payload)));
  expect(replies.map((r) => r.status)).toEqual(Array(25).fill(202));
  const ids = new Set(replies.map((r) => r.body.incidents[0].incidentId));
  expect(ids.size).toBe(1);
  const [id] = ids;
  const view = await waitFor(async () => {
    const v = await gateway.client.workflow.getHandle(id).query(incidentStatusQuery);
    return v.alerts?.notifications === 25 && v.record ? v : undefined;
  }, 'all 25 deliveries to reach the incident, and its runbook to finish');
  expect(view.alerts).toMatchObject({ firing: true });
  expect(await runsOf(id)).toBe(1); // read after the wait: the visibility store lags a little behind
});

test('a resolution with no open incident is answered 202 and starts nothing', async () => {
  const redis = fx.mend.redisName();
  const reply = await gateway.post('/alerts', { ...alert(redis), status: 'resolved' });
  expect(reply.status).toBe(202);
  expect(reply.body.incidents).toEqual([expect.objectContaining({ outcome: 'no-open-incident' })]);
  expect(await runsOf(reply.body.incidents[0].incidentId)).toBe(0);
});

test('an alert that resolves while approval is pending makes the runbook stand down before its destructive step', async () => {
  await fillNearMaxmemory(fx.redis);
  const before = await redisState(fx.redis);
  const body = alert(fx.mend.redisName(), 'critical');
  const reply = await gateway.post('/alerts', body);
  const handle = gateway.client.workflow.getHandle(reply.body.incidents[0].incidentId);
  const pending = await awaitApproval(gateway.client, handle);
  expect(pending.approval!.reason).toMatch(/critical/);

  expect((await gateway.post('/alerts', { ...body, status: 'resolved' })).status).toBe(202);
  await waitFor(async () => (await handle.query(incidentStatusQuery)).alerts?.firing === false, 'the incident to see the resolution');
  const { runbookWorkflowId } = await handle.query(incidentStatusQuery);
  const runbook = gateway.client.workflow.getHandle(runbookWorkflowId!);
  // The incident relays the resolution; an approval sent straight to the runbook could overtake it.
  await waitFor(async () => (await runbook.query(runbookStatusQuery)).alertResolved, 'the runbook to hear of the resolution');
  expect((await runCli(fx.mend.config, 'status', handle.workflowId)).out).toMatch(/alert resolved \(.*RedisMemoryHigh resolved.*\): a destructive step will stand down/);
  await decideAs(runbook, 'alice', { comment: 'go' });

  const record = await handle.result();
  expect(record.status).toBe('stood-down');
  expect(record.reason).toMatch(/no longer firing.*RedisMemoryHigh resolved.*"delete keys matching session:\*" was not taken/);
  expect(record.attempts[0].steps.filter((s: { status: string }) => s.status !== 'planned')).toEqual([]);
  expect(record.timeline.map((t: { event: string }) => t.event)).toContain('alert resolved');
  expect(await redisState(fx.redis)).toEqual(before);
});
