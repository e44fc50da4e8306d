// Each source's real-shaped notification opens the right runbook with the right params, which recovers a real
// Redis; the source's resolved notification then closes the incident. Alertmanager is the real one.
import type { WorkflowHandle } from '@temporalio/client';
import { incidentStatusQuery, type IncidentView } from '../workflows/definitions';
import { grafanaPayload, zabbixMacros } from './fixtures/alerts';
import { startAlertmanager, type Alertmanager } from './helpers/alertmanager';
import { grafanaSignature, startGateway, token, workflowIds, type Gateway } from './helpers/gateway';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { waitFor } from './helpers/wait';
import { resolveParams, runMediaType } from './helpers/zabbix';

jest.setTimeout(120_000);

const fx = useMendWithRedis();
let gateway: Gateway;
let alertmanager: Alertmanager;

beforeAll(async () => {
  gateway = await startGateway(fx.mend.config, {
    routes: [
      {
        name: 'memory',
        matchers: ['alertname="RedisMemoryHigh"', 'redis!=""'],
        runbook: 'redis-memory-relief',
        params: { redis: '{{ labels.redis }}', pattern: '{{ annotations.expendable_keys }}', stabilize: '100ms' },
      },
      {
        name: 'memory-from-zabbix',
        sources: ['zabbix'],
        matchers: ['alertname=~"Redis memory.*"'],
        runbook: 'redis-memory-relief',
        params: { redis: '{{ labels.redis }}', pattern: 'session:*', stabilize: '100ms' },
      },
    ],
  });
  alertmanager = await startAlertmanager(`${gateway.url}/alerts/alertmanager`, token);
});
afterAll(async () => {
  await alertmanager?.stop();
  await gateway?.close();
});

const labels = (redis: string) => ({ alertname: 'RedisMemoryHigh', redis, severity: 'warning' });
const annotations = { expendable_keys: 'session:*', summary: 'Redis is near maxmemory' };

/** The one incident on the target (its runbook's child workflow carries the same target attribute). */
async function openedIncident(redis: string, what: string): Promise<WorkflowHandle> {
  const ids = await waitFor(async () => {
    const found = await workflowIds(gateway.client, `MendTarget = 'redis/${redis}' AND WorkflowType = 'incident'`);
    return found.length ? found : undefined;
  }, what);
  expect(ids).toHaveLength(1);
  return gateway.client.workflow.getHandle(ids[0]);
}

/** The incident recovered the target by deleting the session keys, and took the alert's start as the fault start. */
async function expectRecovered(handle: WorkflowHandle, redis: string, startsAt: string): Promise<IncidentView> {
  let last: IncidentView | undefined;
  const view = await waitFor(async () => {
    last = await handle.query(incidentStatusQuery);
    return last.record ? last : undefined;
  }, 'the incident to finish remediating').catch((err: Error) => {
    throw new Error(`${err.message}; it was ${last?.status} (${last?.waitingFor}), timeline ${JSON.stringify(last?.timeline)}`);
  });
  expect(view.record).toMatchObject({ status: 'recovered', target: `redis/${redis}` });
  expect(view.record!.attempts[0].runbook).toBe('redis-memory-relief');
  expect(view.record!.attempts[0].steps.map((s) => s.name)).toContain('delete keys matching session:*');
  expect(await fx.redis.exists('session:0', 'session:19')).toBe(0);
  expect(view.timeline[0]).toEqual({ at: new Date(startsAt).toISOString(), event: 'fault started' });
  expect(view.alerts).toMatchObject({ firing: true });
  return view;
}

async function expectClosedByResolution(handle: WorkflowHandle): Promise<void> {
  const record = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.timeline.map((t: { event: string }) => t.event)).toEqual(expect.arrayContaining(['alert resolved', 'closed']));
  expect(record.timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'the alert resolved' });
}

test('Alertmanager: a real notification opens redis-memory-relief, and its resolution closes the incident', async () => {
  await fillNearMaxmemory(fx.redis);
  const redis = fx.mend.redisName();
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  await alertmanager.send([{ labels: labels(redis), annotations, startsAt }]);
  const handle = await openedIncident(redis, 'Alertmanager to deliver the alert');
  expect(handle.workflowId).toMatch(/^alert:redis\./);
  await expectRecovered(handle, redis, startsAt);

  await alertmanager.send([{ labels: labels(redis), annotations, startsAt, endsAt: new Date().toISOString() }]);
  await expectClosedByResolution(handle);
});

test('Grafana: a signed contact-point notification opens the runbook, and its resolution closes it', async () => {
  await fillNearMaxmemory(fx.redis);
  const redis = fx.mend.redisName();
  const startsAt = new Date(Date.now() - 30_000).toISOString();
  const post = (status: 'firing' | 'resolved') => {
    const body = JSON.stringify(grafanaPayload([{ labels: labels(redis), annotations, startsAt, status }]));
    return gateway.post('/alerts/grafana', undefined, { raw: body, headers: grafanaSignature(body) });
  };
  const reply = await post('firing');
  expect(reply.status).toBe(202);
  expect(reply.body.incidents).toEqual([expect.objectContaining({ runbook: 'redis-memory-relief', target: `redis/${redis}`, outcome: 'signalled' })]);
  const handle = gateway.client.workflow.getHandle(reply.body.incidents[0].incidentId);
  await expectRecovered(handle, redis, startsAt);

  expect((await post('resolved')).status).toBe(202);
  await expectClosedByResolution(handle);
});

test("Zabbix: the shipped media type's script posts the problem and its recovery", async () => {
  await fillNearMaxmemory(fx.redis);
  const redis = fx.mend.redisName();
  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 120_000);
  const macros = (recovered: boolean) => ({
    ...zabbixMacros({ eventId: '98765', recovered, name: 'Redis memory above 90%', tags: { redis, service: 'cache' }, startedAt }),
    '{$MEND.URL}': `${gateway.url}/alerts/zabbix`,
    '{$MEND.TOKEN}': token,
  });
  expect(await runMediaType(resolveParams(macros(false)))).toMatchObject({ result: 'OK' });
  const handle = await openedIncident(redis, 'the Zabbix problem to open an incident');
  const view = await expectRecovered(handle, redis, startedAt.toISOString());
  expect(view.alerts!.alerts[0]).toMatchObject({ source: 'zabbix', fingerprint: '98765', name: 'Redis memory above 90%' });

  expect(await runMediaType(resolveParams(macros(true)))).toMatchObject({ result: 'OK' });
  await expectClosedByResolution(handle);
});

test('generic JSON: one alert object opens the runbook, and "status": "resolved" closes it', async () => {
  await fillNearMaxmemory(fx.redis);
  const redis = fx.mend.redisName();
  const startsAt = new Date(Date.now() - 10_000).toISOString();
  const alert = { labels: labels(redis), annotations, startsAt };
  const reply = await gateway.post('/alerts', alert);
  expect(reply.status).toBe(202);
  const handle = gateway.client.workflow.getHandle(reply.body.incidents[0].incidentId);
  await expectRecovered(handle, redis, startsAt);

  expect((await gateway.post('/alerts', { ...alert, status: 'resolved' })).status).toBe(202);
  await expectClosedByResolution(handle);
});
