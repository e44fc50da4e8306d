// cache-warmup end to end: a flushed cache under real read load is warmed from its source of truth.
import type { Redis } from 'ioredis';
import { productKey, productValue, type SourceOfTruth, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { redisClient, startMend, type Mend } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';

const products = 300;
let server: RedisServer;
let redis: Redis;
let reader: Redis;
let mend: Mend;
let source: SourceOfTruth;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  reader = redisClient(server.url);
  [mend, source] = await Promise.all([startMend({ redisUrl: server.url }), startSourceOfTruth(products)]);
});
afterAll(async () => {
  await mend?.stop();
  await source?.close();
  redis?.disconnect();
  reader?.disconnect();
  await server?.stop();
});

test('a flushed cache is warmed and the hit rate verified above 70% under load', async () => {
  await redis.flushall();
  const load = startReadLoad(reader, products);
  try {
    const record = await mend.run({
      runbook: 'cache-warmup',
      severity: 'warning',
      params: { redis: mend.redisName(), source: source.url, hotKeys: products, sample: '1s', stabilize: '1s', verifyWithin: '30s' },
    });
    expect(record.status).toBe('recovered');
    const [attempt] = record.attempts;
    expect(attempt.steps).toEqual([expect.objectContaining({ name: `warm ${products} hot keys from the source of truth`, status: 'done' })]);
    const evidence = attempt.verifications[0].evidence as { before: { rate: number }; now: { rate: number; hits: number } };
    expect(evidence.before.rate).toBeLessThan(0.5);
    expect(evidence.now.rate).toBeGreaterThan(0.7);
    expect(evidence.now.hits).toBeGreaterThan(0);
    expect(load.reads()).toBeGreaterThan(0);
  } finally {
    await load.stop();
  }
  expect(await redis.dbsize()).toBe(products);
  for (const i of [0, 150, products - 1]) expect(await redis.get(productKey(i))).toBe(productValue(i));
  expect(await redis.ttl(productKey(7))).toBeGreaterThan(3000);
});

test('a healthy cache is left alone', async () => {
  await redis.flushall();
  const pipeline = redis.pipeline();
  for (let i = 0; i < products; i++) pipeline.set(productKey(i), productValue(i));
  await pipeline.exec();
  const load = startReadLoad(reader, products);
  const requestsBefore = source.requests();
  try {
    const record = await mend.run({
      runbook: 'cache-warmup',
      severity: 'warning',
      params: { redis: mend.redisName(), source: source.url, sample: '1s' },
    });
    expect(record.status).toBe('not-needed');
    expect(record.reason).toMatch(/hit rate 100.0% is not below 50.0%/);
  } finally {
    await load.stop();
  }
  expect(source.requests()).toBe(requestsBefore);
});
