// shop: the application mend's drills break. Product reads go through a Redis cache to MariaDB's writer, orders are
// written to it; admin endpoints reset the pool and warm the cache; /metrics is Prometheus's.
// `node dist/examples/shop/app/server.js`, configured by env (see examples/shop/README.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { type ShopMetrics, shopMetrics } from './metrics';
import { classify, type PoolOptions, PoolError, WriterPool } from './pool';
import { RunawayJob } from './runaway';

export interface ShopOptions extends PoolOptions {
  port: number;
  host: string;
  redisUrl: string;
  /** Bearer token of the admin endpoints. */
  adminToken: string;
  cacheTtlSeconds: number;
  /** Who fills the cache: `reads` (a miss stores what it read) or `warmer` (only warming does: at start, every half
   * TTL, and POST /admin/cache/warm; a miss reads the database and leaves the cache alone). */
  cacheFill: 'reads' | 'warmer';
}

export interface Shop {
  url: string;
  pool: WriterPool;
  metrics: ShopMetrics;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Product {
  id: number;
  name: string;
  price: string;
}

const productKey = (id: number) => `shop:product:${id}`;

export async function startShop(options: ShopOptions): Promise<Shop> {
  const pool = new WriterPool(options);
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await redis.connect();
  const metrics = shopMetrics(() => pool);
  // Compared as digests: the same time whatever the token's length.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const adminToken = digest(options.adminToken);

  const product = async (id: number): Promise<Product> => {
    const cached = await redis.get(productKey(id)).catch(() => {
      metrics.cacheLookup('error');
      return undefined;
    });
    if (cached) {
      metrics.cacheLookup('hit');
      return JSON.parse(cached) as Product;
    }
    if (cached === null) metrics.cacheLookup('miss');
    const [row] = await pool.query<Product[]>('SELECT id, name, price FROM shop_products WHERE id = ?', [id]);
    if (!row) throw new HttpError(404, `no product ${id}`);
    if (options.cacheFill === 'reads') await redis.set(productKey(id), JSON.stringify(row), 'EX', options.cacheTtlSeconds).catch(() => undefined);
    return row;
  };

  const order = async (body: unknown) => {
    const { productId, quantity } = (body ?? {}) as { productId?: unknown; quantity?: unknown };
    // Checked here: a value the database refuses would count as a failed database call.
    const within = (n: unknown, max: number) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;
    if (!within(productId, 2 ** 31 - 1) || !within(quantity, 1000)) throw new HttpError(400, 'give productId (a positive whole number) and quantity (1 to 1000)');
    const result = await pool.query<{ insertId: number }>('INSERT INTO shop_orders (product_id, quantity) VALUES (?, ?)', [productId, quantity]);
    return { id: result.insertId };
  };

  const salesReport = async (since: string | null) => {
    const connection = await pool.acquire();
    const from = new Date(since ?? '');
    // The shop's known bug, kept for drills: a bad date returns before the connection goes back, leaking it.
    if (Number.isNaN(from.getTime())) throw new HttpError(400, 'since must be a date');
    try {
      const [[row]] = (await connection.query('SELECT COUNT(*) AS orders, COALESCE(SUM(quantity), 0) AS items FROM shop_orders WHERE created_at >= ?', [from])) as unknown as [
        { orders: number; items: string }[],
      ];
      return { since: from.toISOString(), orders: Number(row.orders), items: Number(row.items) };
    } catch (err) {
      throw classify(err);
    } finally {
      pool.release(connection);
    }
  };

  const products = (limit: number) => pool.query<Product[]>('SELECT id, name, price FROM shop_products ORDER BY id LIMIT ?', [limit]);
  const warmCache = async () => {
    const rows = await products(100_000);
    const batch = redis.pipeline();
    for (const row of rows) batch.set(productKey(row.id), JSON.stringify(row), 'EX', options.cacheTtlSeconds);
    await batch.exec();
    return { warmed: rows.length };
  };
  // The source of truth cache-warmup loads: the first `limit` products as cache entries.
  const hotEntries = async (limit: string | null) => {
    const n = Number(limit ?? 100);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new HttpError(400, 'limit must be 1 to 100000');
    return (await products(n)).map((row) => ({ key: productKey(row.id), value: JSON.stringify(row), ttlSeconds: options.cacheTtlSeconds }));
  };
  // Of the order ids a client was given, those the database does not have (a drill's consistency check).
  const missingOrders = async (body: unknown) => {
    const ids = (body as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids) || ids.length > 100_000 || !ids.every((id) => Number.isInteger(id) && id > 0)) throw new HttpError(400, 'ids must be a list of up to 100000 order ids');
    const present = new Set<number>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await pool.query<{ id: number }[]>('SELECT id FROM shop_orders WHERE id IN (?)', [ids.slice(i, i + 1000)]);
      for (const row of rows) present.add(row.id);
    }
    return { checked: ids.length, missing: ids.filter((id) => !present.has(id)) };
  };

  // A reset sent again with the same key (a caller retrying after a crash) answers as the first did and resets nothing.
  const resetsByKey = new Map<string, ReturnType<WriterPool['reset']>>();
  const resetPool = (body: unknown) => {
    const key = (body as { key?: unknown } | undefined)?.key;
    if (key !== undefined && (typeof key !== 'string' || key.length > 200)) throw new HttpError(400, 'key must be a string of up to 200 characters');
    const earlier = key === undefined ? undefined : resetsByKey.get(key);
    if (earlier) return { ...earlier, repeated: true };
    const result = pool.reset();
    if (key !== undefined) resetsByKey.set(key, result);
    if (resetsByKey.size > 100) resetsByKey.delete(resetsByKey.keys().next().value!);
    return result;
  };

  const runaway = new RunawayJob(() => pool.connect());
  const startRunaway = async (body: unknown) => {
    const { share, seconds } = (body ?? {}) as { share?: unknown; seconds?: unknown };
    if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw new HttpError(400, 'share must be more than 0 and at most 1');
    if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > 3600) throw new HttpError(400, 'seconds must be 1 to 3600');
    return runaway.start(share, seconds as number);
  };

  const admin = (req: IncomingMessage) => {
    const given = digest(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    if (!timingSafeEqual(given, adminToken)) throw new HttpError(401, 'admin endpoints need the bearer token');
  };

  const routes: {
    method: string;
    path: RegExp;
    route: string;
    /** Behind the admin token. */
    admin?: true;
    handle(req: IncomingMessage, match: RegExpExecArray, url: URL): Promise<unknown>;
  }[] = [
    { method: 'GET', path: /^\/health$/, route: 'health', handle: async () => 'ok' },
    { method: 'GET', path: /^\/products\/(\d{1,9})$/, route: 'product', handle: (_, m) => product(Number(m[1])) },
    { method: 'POST', path: /^\/orders$/, route: 'order', handle: async (req) => order(await jsonBody(req)) },
    { method: 'GET', path: /^\/reports\/sales$/, route: 'report', handle: (_, __, url) => salesReport(url.searchParams.get('since')) },
    { method: 'POST', path: /^\/admin\/pool\/reset$/, route: 'admin', admin: true, handle: async (req) => resetPool(await optionalJsonBody(req)) },
    { method: 'POST', path: /^\/admin\/cache\/warm$/, route: 'admin', admin: true, handle: () => warmCache() },
    { method: 'POST', path: /^\/admin\/runaway$/, route: 'admin', admin: true, handle: async (req) => startRunaway(await jsonBody(req)) },
    { method: 'GET', path: /^\/admin\/runaway$/, route: 'admin', admin: true, handle: async () => ({ running: runaway.running }) },
    { method: 'DELETE', path: /^\/admin\/runaway$/, route: 'admin', admin: true, handle: async () => runaway.stop() },
    { method: 'GET', path: /^\/cache\/hot$/, route: 'cache', handle: (_, __, url) => hotEntries(url.searchParams.get('limit')) },
    { method: 'POST', path: /^\/admin\/orders\/missing$/, route: 'admin', admin: true, handle: async (req) => missingOrders(await jsonBody(req)) },
    { method: 'GET', path: /^\/admin\/process$/, route: 'admin', admin: true, handle: async () => ({ pid: process.pid }) },
  ];

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://shop');
    if (req.method === 'GET' && url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      return;
    }
    let route = 'unknown';
    let status = 200;
    let body: unknown;
    try {
      let match: RegExpExecArray | null = null;
      const found = routes.find((r) => r.method === req.method && (match = r.path.exec(url.pathname)));
      if (!found || !match) throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
      route = found.route;
      if (found.admin) admin(req);
      body = await found.handle(req, match, url);
      if (route === 'order') status = 201;
    } catch (err) {
      if (err instanceof PoolError) metrics.poolError(err.kind);
      status = err instanceof HttpError ? err.status : err instanceof PoolError ? 503 : 500;
      body = { error: (err as Error).message };
    }
    metrics.answered(route, status, Number(process.hrtime.bigint() - started) / 1e9);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port, options.host, resolve));
  const rewarm = () => warmCache().catch((err: Error) => console.error(`shop: warming the cache failed: ${err.message}`));
  const warmer = options.cacheFill === 'warmer' ? setInterval(rewarm, (options.cacheTtlSeconds * 1000) / 2) : undefined;
  if (warmer) await rewarm();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    pool,
    metrics,
    close: async () => {
      clearInterval(warmer);
      runaway.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      redis.disconnect();
      await pool.close().catch(() => undefined);
    },
  };
}

const bodyLimit = 64 * 1024;

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new HttpError(413, `bodies are limited to ${bodyLimit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > bodyLimit) throw tooLarge();
  let size = 0;
  const chunks: Buffer[] = [];
  // Read to the end even past the limit, so that the client gets the 413 rather than a reset connection.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= bodyLimit) chunks.push(chunk as Buffer);
  }
  if (size > bodyLimit) throw tooLarge();
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

async function optionalJsonBody(req: IncomingMessage): Promise<unknown> {
  return req.headers['content-length'] === '0' || (!req.headers['content-length'] && !req.headers['transfer-encoding']) ? undefined : jsonBody(req);
}

/** The shop's options from its environment; a missing or bad one is named. */
export function shopOptionsFromEnv(env: NodeJS.ProcessEnv): ShopOptions {
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`set ${name} (see examples/shop/README.md)`);
    return value;
  };
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(env[name])}`);
    return value;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[]): T => {
    const value = (env[name] ?? values[0]) as T;
    if (!values.includes(value)) throw new Error(`${name} must be one of ${values.join(', ')}, not ${JSON.stringify(env[name])}`);
    return value;
  };
  return {
    port: number('SHOP_PORT', 8088),
    host: env.SHOP_HOST ?? '127.0.0.1',
    writerFile: required('SHOP_WRITER_FILE'),
    user: env.SHOP_DB_USER ?? 'app',
    password: required('SHOP_DB_PASSWORD'),
    database: env.SHOP_DB_NAME ?? 'appdb',
    size: number('SHOP_POOL_SIZE', 10),
    acquireTimeoutMs: number('SHOP_ACQUIRE_TIMEOUT_MS', 1000),
    redisUrl: required('SHOP_REDIS_URL'),
    adminToken: required('SHOP_ADMIN_TOKEN'),
    cacheTtlSeconds: number('SHOP_CACHE_TTL_SECONDS', 300),
    cacheFill: oneOf('SHOP_CACHE_FILL', ['reads', 'warmer'] as const),
  };
}

if (require.main === module) {
  Promise.resolve()
    .then(() => startShop(shopOptionsFromEnv(process.env)))
    .then(
      (shop) => {
        console.log(`shop ready on ${shop.url} (writer ${shop.pool.writer})`);
        const stop = () => void shop.close().then(() => process.exit(0));
        process.once('SIGINT', stop).once('SIGTERM', stop);
      },
      (err: Error) => {
        console.error(`shop: ${err.message}`);
        process.exit(1);
      },
    );
}
