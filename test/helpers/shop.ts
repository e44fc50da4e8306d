// shop (examples/shop) for a test file: a real MariaDB topology with the shop's schema, a real Redis, and shops
// started on them in this process, all stopped after the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Shop, type ShopOptions, startShop } from '../../examples/shop/app/server';
import { type MariadbTopology, startMariadbTopology } from './mariadb';
import { type RedisServer, root, startRedis } from './processes';

export interface ShopFixture {
  db: MariadbTopology;
  redis: RedisServer;
  /** The admin endpoints' bearer token. */
  token: string;
  start(options?: Partial<ShopOptions>): Promise<Shop>;
}

export function useShop(): ShopFixture {
  const shops: Shop[] = [];
  const fixture = { token: 'shop-admin-token-for-tests' } as ShopFixture;
  fixture.start = async (options = {}) => {
    const shop = await startShop({
      port: 0,
      host: '127.0.0.1',
      writerFile: join(fixture.db.dir, 'writer.json'),
      user: 'app',
      password: fixture.db.users.app,
      database: 'appdb',
      size: 5,
      acquireTimeoutMs: 1000,
      redisUrl: fixture.redis.url,
      adminToken: fixture.token,
      cacheTtlSeconds: 60,
      cacheFill: 'reads',
      ...options,
    });
    shops.push(shop);
    return shop;
  };
  beforeAll(async () => {
    [fixture.db, fixture.redis] = await Promise.all([startMariadbTopology(), startRedis()]);
    const admin = await fixture.db.root(0);
    for (const statement of schemaStatements()) await admin.query(statement);
    await admin.end();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(shops.map((s) => s.close()));
    await Promise.all([fixture.db?.stop(), fixture.redis?.stop()]);
  });
  return fixture;
}

function schemaStatements(): string[] {
  const sql = readFileSync(join(root, 'examples', 'shop', 'schema.sql'), 'utf8').replace(/^--.*$/gm, '');
  return sql
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A metric's value from a shop's /metrics (0 when the series is absent). */
export async function shopMetric(shop: Shop, series: string): Promise<number> {
  const text = await (await fetch(`${shop.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
