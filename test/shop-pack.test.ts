// The shop's pack (examples/shop): db-pool-reset on the real shop, with a real Prometheus scraping it every second.
// Connections leaked by the shop's report bug starve its reads; the runbook resets the pool once through the admin
// endpoint and recovers only when Prometheus has seen the errors stop. Its alert rule passes promtool's tests, and
// its route takes the alert.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLoad } from '../examples/shop/app/load';
import type { Shop } from '../examples/shop/app/server';
import { parseConfig } from '../config/load';
import { routerFor } from '../gateway/routes';
import { alertSources } from '../gateway/sources';
import { alertmanagerPayload } from './fixtures/alerts';
import { type Mend, startMend } from './helpers/mend';
import { type Prometheus, startPrometheus } from './helpers/prometheus';
import { provisioned, root } from './helpers/processes';
import { shopMetric, useShop } from './helpers/shop';
import { waitFor } from './helpers/wait';

const run = promisify(execFile);
const pack = join(root, 'examples', 'shop');
const fx = useShop();
let shop: Shop;
let prometheus: Prometheus;
let mend: Mend;

beforeAll(async () => {
  shop = await fx.start({ size: 3, acquireTimeoutMs: 1000 });
  prometheus = await startPrometheus({ shop: new URL(shop.url).host });
  process.env.MEND_TEST_SHOP_ADMIN_TOKEN = fx.token;
  const core = { http: { 'shop-admin': { url: `${shop.url}/admin`, tokenEnv: 'MEND_TEST_SHOP_ADMIN_TOKEN' } }, prometheus: { default: { url: prometheus.url } } };
  mend = await startMend({ config: { packs: [pack], core } });
}, 180_000);
afterAll(async () => {
  await mend?.stop();
  await prometheus?.stop();
});

const poolReset = { runbook: 'db-pool-reset', severity: 'warning' as const, params: { app: 'shop', settle: '1s', quietFor: '5s' } };

test('with the errors at or below the threshold, db-pool-reset stands down and resets nothing', async () => {
  const record = await mend.run(poolReset);
  expect(record.status).toBe('not-needed');
  expect(shop.pool.resets).toBe(0);
});

test('leaked connections starve the reads; db-pool-reset resets the pool once and recovers when Prometheus sees the errors stop', async () => {
  for (let i = 0; i < 3; i++) expect((await fetch(`${shop.url}/reports/sales?since=never`)).status).toBe(400);
  const load = startLoad({ url: shop.url, rate: 20, orderShare: 0, products: 100, timeoutMs: 3000 });
  try {
    await waitFor(async () => (await prometheus.query('sum(increase(shop_pool_errors_total{job="shop"}[1m])) > 10')).length > 0, 'Prometheus to see the pool errors');
    const record = await mend.run(poolReset);
    expect(record).toMatchObject({ status: 'recovered', attempts: [{ runbook: 'db-pool-reset', status: 'verified' }] });
    expect(shop.pool.resets).toBe(1);
    await load.stop();
    expect(await shopMetric(shop, 'shop_pool_connections_in_use')).toBe(0);
    // Reads failed before the reset and none after it (sent once the reset had answered).
    const resetAt = Date.parse(record.attempts[0].steps.find((s) => s.name === "reset shop's connection pool")!.endedAt!);
    expect(load.outcomes.filter((o) => o.at < resetAt && o.status === 503).length).toBeGreaterThan(0);
    const after = load.outcomes.filter((o) => o.at > resetAt);
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((o) => o.status !== 200)).toEqual([]);
  } finally {
    await load.stop();
  }
});

test('its alert rule passes promtool, and its route sends the alert to db-pool-reset for the job', async () => {
  const promtool = provisioned('promtool', 'PROMTOOL');
  await run(promtool, ['check', 'rules', 'alerts.yaml'], { cwd: pack });
  expect((await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: pack })).stdout).toContain('SUCCESS');

  const router = routerFor(parseConfig({ packs: [pack] }, 'inline', {}));
  const { source } = alertSources.alertmanager;
  const parsed = source.parse(alertmanagerPayload([{ labels: { alertname: 'ShopPoolErrors', job: 'shop', severity: 'warning' } }]));
  if (!parsed.success) throw parsed.error;
  expect(router.plan(source.alerts(parsed.data, new Date())).incidents.map((i) => [i.route, i.params, i.target])).toEqual([
    ['shop/pool-errors', { app: 'shop' }, 'app/shop/db-pool'],
  ]);
});
