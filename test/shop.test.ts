// shop, the application drills break, on a real MariaDB topology and a real Redis: reads through the cache, orders
// acknowledged and present, a pool that follows the writer only when reset, the report bug that leaks connections,
// admin endpoints behind their token, and a load generator whose outcomes match what the shop counted.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startLoad } from '../examples/shop/app/load';
import { type Shop, shopOptionsFromEnv } from '../examples/shop/app/server';
import { shopMetric as metric, useShop } from './helpers/shop';

const fx = useShop();
const shop = fx.start;

async function call(s: Shop, method: string, path: string, body?: unknown, auth = fx.token) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function ordersOn(node: number, ids: number[]): Promise<number[]> {
  const c = await fx.db.root(node);
  try {
    const [rows] = await c.query('SELECT id FROM appdb.shop_orders WHERE id IN (?)', [ids]);
    return (rows as { id: number }[]).map((r) => Number(r.id)).sort((a, b) => a - b);
  } finally {
    await c.end();
  }
}

test('a product read goes to the database once, then to the cache; acknowledged orders are on the writer', async () => {
  const s = await shop();
  expect(await call(s, 'GET', '/products/5')).toEqual({ status: 200, body: { id: 5, name: 'product 5', price: '6.00' } });
  expect((await call(s, 'GET', '/products/5')).status).toBe(200);
  expect(await metric(s, 'shop_cache_requests_total{result="miss"}')).toBe(1);
  expect(await metric(s, 'shop_cache_requests_total{result="hit"}')).toBe(1);
  const cache = new Redis(fx.redis.url);
  expect(JSON.parse((await cache.get('shop:product:5'))!)).toMatchObject({ id: 5 });
  cache.disconnect();
  expect((await call(s, 'GET', '/products/1000')).status).toBe(404);

  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const placed = await call(s, 'POST', '/orders', { productId: 5, quantity: 2 });
    expect(placed.status).toBe(201);
    ids.push(placed.body.id as number);
  }
  expect(await ordersOn(0, ids)).toEqual(ids);
  expect((await call(s, 'POST', '/orders', { productId: 'x' })).status).toBe(400);
  expect(await metric(s, 'shop_requests_total{route="order",code="201"}')).toBe(3);
});

test('bad report dates leak connections until the pool is exhausted; a reset gives them back', async () => {
  const s = await shop({ size: 3, acquireTimeoutMs: 300 });
  expect((await call(s, 'GET', `/reports/sales?since=${new Date(0).toISOString()}`)).status).toBe(200);
  expect(s.pool.inUse).toBe(0);
  for (let i = 0; i < 3; i++) expect((await call(s, 'GET', '/reports/sales?since=yesterday')).status).toBe(400);
  expect(await metric(s, 'shop_pool_connections_in_use')).toBe(3);

  const starved = await call(s, 'GET', '/products/42'); // not cached: it needs a connection
  expect(starved).toEqual({ status: 503, body: { error: 'no free connection within 300 ms' } });
  expect(await metric(s, 'shop_pool_errors_total{kind="acquire_timeout"}')).toBe(1);

  const reset = { writer: fx.db.nodes[0], dropped: 3 };
  expect(await call(s, 'POST', '/admin/pool/reset', { key: 'incident-1' })).toEqual({ status: 200, body: reset });
  expect((await call(s, 'GET', '/products/42')).status).toBe(200);
  // The same key again (a retry after a crash): the first answer, and no second reset.
  expect(await call(s, 'POST', '/admin/pool/reset', { key: 'incident-1' })).toEqual({ status: 200, body: { ...reset, repeated: true } });
  expect(s.pool.resets).toBe(1);
  expect(await metric(s, 'shop_pool_connections_in_use')).toBe(0);
});

test('admin endpoints refuse a missing or wrong token and change nothing', async () => {
  const s = await shop();
  for (const auth of ['', 'wrong']) {
    expect(await call(s, 'POST', '/admin/pool/reset', undefined, auth)).toEqual({ status: 401, body: { error: 'admin endpoints need the bearer token' } });
    expect((await call(s, 'POST', '/admin/cache/warm', undefined, auth)).status).toBe(401);
  }
  expect(s.pool.resets).toBe(0);
  expect(await call(s, 'POST', '/admin/cache/warm')).toEqual({ status: 200, body: { warmed: 100 } });
  const cache = new Redis(fx.redis.url);
  expect(await cache.exists('shop:product:100')).toBe(1);
  cache.disconnect();
});

test('the load generator records every request; the shop answered as many, and every acknowledged order is there', async () => {
  const s = await shop();
  const load = startLoad({ url: s.url, rate: 50, orderShare: 0.3, products: 100, timeoutMs: 2000 });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const summary = await load.stop();
  expect(summary.sent).toBeGreaterThanOrEqual(90);
  expect(summary).toMatchObject({ inFlight: 0, failed: 0, sli: 1 });
  const answered = (await metric(s, 'shop_requests_total{route="product",code="200"}')) + (await metric(s, 'shop_requests_total{route="order",code="201"}'));
  expect(answered).toBe(summary.sent);
  expect(summary.acked.length).toBe(load.outcomes.filter((o) => o.route === 'order').length);
  expect(await ordersOn(0, summary.acked)).toEqual([...summary.acked].sort((a, b) => a - b));
});

test('the shop names a missing or bad setting', () => {
  expect(() => shopOptionsFromEnv({})).toThrow('set SHOP_WRITER_FILE (see examples/shop/README.md)');
  const env = { SHOP_WRITER_FILE: 'w.json', SHOP_DB_PASSWORD: 'p', SHOP_REDIS_URL: 'redis://x', SHOP_ADMIN_TOKEN: 't' };
  expect(shopOptionsFromEnv(env)).toMatchObject({ port: 8088, size: 10, user: 'app', database: 'appdb' });
  expect(() => shopOptionsFromEnv({ ...env, SHOP_POOL_SIZE: 'ten' })).toThrow('SHOP_POOL_SIZE must be a whole number, not "ten"');
});

// Last in the file: the order written on n2 while it was the writer leaves the replicas apart.
test('after the writer moves, orders fail as read-only until the pool is reset; then they go to the new writer', async () => {
  const s = await shop();
  expect(s.pool.writer).toBe(fx.db.nodes[0]);
  // A promotion by hand: n2 stops replicating and takes writes, n1 goes read-only, the endpoint names n2.
  const [n1, n2] = [await fx.db.root(0), await fx.db.root(1)];
  await n2.query('STOP SLAVE');
  await n2.query('SET GLOBAL read_only = 0');
  await n1.query('SET GLOBAL read_only = 1');
  const endpoint = join(fx.db.dir, 'writer.json');
  const before = readFileSync(endpoint, 'utf8');
  writeFileSync(endpoint, JSON.stringify({ ...JSON.parse(before), writer: fx.db.nodes[1] }));
  try {
    const refused = await call(s, 'POST', '/orders', { productId: 1, quantity: 1 });
    expect(refused.status).toBe(503);
    expect(await metric(s, 'shop_pool_errors_total{kind="read_only"}')).toBe(1);

    expect(await call(s, 'POST', '/admin/pool/reset')).toEqual({ status: 200, body: { writer: fx.db.nodes[1], dropped: 0 } });
    const placed = await call(s, 'POST', '/orders', { productId: 1, quantity: 1 });
    expect(placed.status).toBe(201);
    expect(await ordersOn(1, [placed.body.id as number])).toEqual([placed.body.id]);
    expect(await metric(s, `shop_pool_writer_info{writer="${fx.db.nodes[1]}"}`)).toBe(1);
    expect(await metric(s, 'shop_pool_resets_total')).toBe(1);
  } finally {
    writeFileSync(endpoint, before);
    await n1.query('SET GLOBAL read_only = 0');
    await n2.query('SET GLOBAL read_only = 1');
    await n2.query('START SLAVE');
    await Promise.all([n1.end(), n2.end()]);
  }
});
