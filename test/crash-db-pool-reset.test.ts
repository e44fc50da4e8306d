// kill -9 on the shop pack's db-pool-reset: every activity and timer of a clean run is a point where the worker dies;
// a fresh worker ends the run as the clean one did, with as many pool resets as the shop itself counts (one: the
// reset's idempotency key makes the repeated call a no-op). Prometheus scrapes the shop under its own job name: the
// target (and its guard, one per namespace) is this file's alone, not shared with shop-pack.test.ts's workers.
import { join } from 'node:path';
import type { Shop } from '../examples/shop/app/server';
import { crashEveryPoint, expectLikeClean, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig, useCrashClient } from './helpers/crash-setup';
import { type Prometheus, startPrometheus } from './helpers/prometheus';
import { root } from './helpers/processes';
import { useShop } from './helpers/shop';
import { waitFor } from './helpers/wait';

const fx = useShop();
const t = useCrashClient();
let shop: Shop;
let prometheus: Prometheus;
const app = 'shop-crash';

beforeAll(async () => {
  shop = await fx.start({ size: 3, acquireTimeoutMs: 300 });
  prometheus = await startPrometheus({ [app]: new URL(shop.url).host });
}, 120_000);
afterAll(async () => prometheus?.stop());

/** The report bug leaks every connection; orders then fail until Prometheus counts more than 10 errors. */
async function breakThePool(): Promise<void> {
  while ((await fetch(`${shop.url}/reports/sales?since=bad`)).status === 400);
  const errors = () => prometheus.query(`sum(increase(shop_pool_errors_total{job="${app}"}[1m]))`);
  await waitFor(async () => {
    await Promise.all(Array.from({ length: 6 }, () => fetch(`${shop.url}/orders`, { method: 'POST', body: JSON.stringify({ productId: 1, quantity: 1 }) })));
    return Number((await errors())[0]?.value[1] ?? 0) > 10;
  }, 'Prometheus to count the pool errors');
}

test('db-pool-reset: killed at every activity and timer, it resets the pool once and recovers', async () => {
  const prefix = `crash-pool-${Date.now()}`;
  const core = { http: { 'shop-admin': { url: `${shop.url}/admin`, tokenEnv: 'MEND_TEST_SHOP_ADMIN_TOKEN' } }, prometheus: { default: { url: prometheus.url } } };
  let run = 0;
  const report = await crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { sections: { packs: [join(root, 'examples', 'shop')], core } }),
    env: { MEND_TEST_SHOP_ADMIN_TOKEN: fx.token },
    reset: breakThePool,
    start: () =>
      startCrashIncident(t.client, prefix, `${prefix}-${run++}`, {
        runbook: 'db-pool-reset',
        severity: 'warning',
        params: { app, settle: '1s', quietFor: '5s', verifyWithin: '30s' },
      }),
    count: async () => ({ resets: shop.pool.resets }),
  });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { resets: 1 } });
  expectLikeClean(report);
}, 900_000);
