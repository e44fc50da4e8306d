// Bad requests are refused with the right status and a body that says why, and start or signal nothing.
import { createHmac } from 'node:crypto';
import { alertmanagerPayload, grafanaPayload } from './fixtures/alerts';
import { grafanaSignature, hmacSecret, startGateway, token, workflowsOn, type Gateway } from './helpers/gateway';
import { useMendWithRedis } from './helpers/mend';

const fx = useMendWithRedis();
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(fx.mend.config, {
    bodyLimit: '64KiB',
    routes: [{ matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 's:*' } }],
  });
});
afterAll(async () => {
  expect(await workflowsOn(gateway.client, fx.mend.taskQueue)).toBe(0);
  expect(JSON.stringify(gateway.logs)).not.toContain(token);
  expect(JSON.stringify(gateway.logs)).not.toContain(hmacSecret);
  await gateway?.close();
});

const valid = () => alertmanagerPayload([{ labels: { alertname: 'RedisMemoryHigh', redis: 'nowhere' } }]);

describe('401 without the right credentials', () => {
  test.each([
    ['no Authorization header', { authorization: '' }],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['a token with a wrong last character', { authorization: `Bearer ${token.slice(0, -1)}x` }],
    ['basic auth instead of a bearer token', { authorization: `Basic ${Buffer.from(`mend:${token}`).toString('base64')}` }],
  ])('%s', async (_, headers) => {
    const reply = await gateway.post('/alerts/alertmanager', valid(), { headers });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toMatch(/bearer token/);
  });

  test('Grafana: a right token but a missing, wrong, stale or replayed-onto-another-body signature', async () => {
    const body = JSON.stringify(grafanaPayload([{ labels: { alertname: 'RedisMemoryHigh', redis: 'nowhere' } }]));
    const signed = grafanaSignature(body);
    const cases: [Record<string, string>, string, RegExp][] = [
      [{}, body, /missing X-Grafana-Alerting-Signature/],
      [{ ...signed, 'X-Grafana-Alerting-Signature': createHmac('sha256', 'other').update(body).digest('hex') }, body, /wrong signature/],
      [grafanaSignature(body, hmacSecret, Date.now() - 3_600_000), body, /too old/],
      [signed, body.replace('nowhere', 'elsewhere'), /wrong signature/],
      [{ 'X-Grafana-Alerting-Signature': signed['X-Grafana-Alerting-Signature'] }, body, /missing or bad X-Grafana-Alerting-Timestamp/],
    ];
    for (const [headers, raw, error] of cases) {
      const reply = await gateway.post('/alerts/grafana', undefined, { raw, headers });
      expect({ status: reply.status, error: reply.body.error }).toEqual({ status: 401, error: expect.stringMatching(error) });
    }
  });
});

describe('400 names each bad field', () => {
  test('Alertmanager payload with wrong and missing fields', async () => {
    const payload: any = valid();
    payload.version = '3';
    payload.alerts[0].startsAt = 'yesterday';
    delete payload.alerts[0].fingerprint;
    payload.alerts[0].labels.redis = 42;
    const reply = await gateway.post('/alerts/alertmanager', payload);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid alertmanager payload');
    expect(reply.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['alerts.0.fingerprint', 'alerts.0.labels.redis', 'alerts.0.startsAt', 'version'].sort());
  });

  test('generic alert without an alertname, with an unknown field', async () => {
    const reply = await gateway.post('/alerts', { labels: { redis: 'x' }, lables: {}, status: 'burning' });
    expect(reply.status).toBe(400);
    expect(reply.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'labels', message: expect.stringMatching(/alertname/) }),
        expect.objectContaining({ path: 'status' }),
        expect.objectContaining({ path: '(root)', message: expect.stringMatching(/lables/) }),
      ]),
    );
  });

  test.each([
    ['not JSON', '{"alerts": ['],
    ['empty', ''],
    ['a prototype-polluting key', '{"__proto__": {"polluted": true}, "labels": {"alertname": "x"}}'],
    ['nested 100 levels deep', `{"labels": {"alertname": "x"}, "extra": ${'['.repeat(100)}${']'.repeat(100)}}`],
    ['a constructor.prototype key', '{"labels": {"alertname": "x"}, "constructor": {"prototype": {"polluted": true}}}'],
  ])('a body that is %s', async (_, raw) => {
    const reply = await gateway.post('/alerts', undefined, { raw });
    expect(reply.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

test('413 for a body over the limit', async () => {
  const payload = valid();
  payload.commonAnnotations = { description: 'x'.repeat(70 * 1024) };
  const reply = await gateway.post('/alerts/alertmanager', payload);
  expect(reply.status).toBe(413);
  expect(reply.body.error).toMatch(/too large/i);
});

test.each([
  ['text/plain', 'text/plain'],
  ['form data', 'application/x-www-form-urlencoded'],
  ['XML', 'application/xml'],
])('415 for %s', async (_, type) => {
  const reply = await gateway.post('/alerts', valid(), { headers: { 'content-type': type } });
  expect(reply.status).toBe(415);
});

test('an alert no route takes is answered 202, logged and counted', async () => {
  const reply = await gateway.post('/alerts', { labels: { alertname: 'DiskFull', host: 'db-1' } });
  expect(reply.status).toBe(202);
  expect(reply.body).toMatchObject({ accepted: 1, incidents: [], unrouted: [{ alert: 'DiskFull', reason: 'no route matches' }] });
  expect(gateway.logs).toContainEqual(expect.objectContaining({ level: 'WARN', fields: expect.objectContaining({ alert: 'DiskFull' }) }));
  const counted = await gateway.metrics.alerts.get();
  expect(counted.values).toContainEqual(expect.objectContaining({ labels: { source: 'generic', outcome: 'unrouted' }, value: 1 }));
});

test("a route whose params the alert cannot fill is reported, with the route's reason", async () => {
  const reply = await gateway.post('/alerts', { labels: { alertname: 'RedisMemoryHigh' } });
  expect(reply.status).toBe(202);
  expect(reply.body.unrouted[0].reason).toMatch(/param "redis" needs labels.redis/);
});
