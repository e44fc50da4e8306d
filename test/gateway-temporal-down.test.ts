// While Temporal is down the gateway acknowledges nothing: 503, so the sender retries. Once Temporal is back,
// the retried delivery is recorded, once.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { incidentStatusQuery } from '../workflows/definitions';
import { startGateway, workflowIds, type Gateway } from './helpers/gateway';
import { redisClient, startMend, type Mend } from './helpers/mend';
import { scratchDir, startDevServer, startRedis, type DevServer, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';

jest.setTimeout(120_000);

let server: RedisServer;
let redis: Redis;
let temporal: DevServer;
let mend: Mend;
let gateway: Gateway;

afterAll(async () => {
  await gateway?.close();
  await mend?.stop();
  await temporal?.stop();
  redis?.disconnect();
  await server?.stop();
});

test('503 while Temporal is stopped; after it restarts the retried delivery opens exactly one incident', async () => {
  const dbFile = join(scratchDir('down-'), 'temporal.db');
  server = await startRedis();
  redis = redisClient(server.url);
  temporal = await startDevServer({ dbFile });
  mend = await startMend({ redisUrl: server.url, address: temporal.address });
  gateway = await startGateway(
    mend.config,
    {
      temporalTimeout: '2s',
      routes: [{ matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 'session:*' } }],
    },
    { address: temporal.address },
  );
  const ready = () => fetch(`${gateway.url}/readyz`).then((r) => r.status);
  expect(await ready()).toBe(200);

  await temporal.stop();
  expect(await ready()).toBe(503);
  const alert = { labels: { alertname: 'RedisMemoryHigh', redis: mend.redisName() }, startsAt: '2026-11-21T08:00:00Z' };
  const refused = await gateway.post('/alerts', alert);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('5');
  expect(refused.body.error).toMatch(/retry/);
  expect(gateway.logs).toContainEqual(expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/503/) }));

  temporal = await startDevServer({ dbFile, port: temporal.port });
  // The sender retries until it gets a 2xx, as Alertmanager and Zabbix do.
  const accepted = await waitFor(
    async () => {
      const reply = await gateway.post('/alerts', alert);
      return reply.status === 202 ? reply : undefined;
    },
    'the retried delivery to be accepted',
    60_000,
  );
  expect(await ready()).toBe(200);
  const id = accepted.body.incidents[0].incidentId;
  expect((await gateway.post('/alerts', alert)).body.incidents[0].incidentId).toBe(id);
  const view = await waitFor(
    async () => {
      const v = await gateway.client.workflow.getHandle(id).query(incidentStatusQuery);
      return v.record && v.alerts?.notifications === 2 ? v : undefined;
    },
    'the incident to run and take both deliveries',
    60_000,
  );
  expect(view.record!.status).toBe('not-needed');
  expect(await workflowIds(gateway.client, `TaskQueue = '${mend.taskQueue}' AND WorkflowType = 'incident'`)).toEqual([id]);
});
