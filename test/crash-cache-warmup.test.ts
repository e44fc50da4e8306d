// kill -9 on cache-warmup. The crash harness: every activity of a clean run is a point where the worker dies (after
// the activity acted) and so is each kind of timer it waited on (the stabilization); a fresh worker ends the run,
// which was still open at the kill, as the clean one did, with the same SET calls counted by Redis itself.
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { crashEveryPoint, expectLikeClean, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig } from './helpers/crash-setup';
import { commandCalls, useCrashRedis } from './helpers/crash-redis';
import { redisClient } from './helpers/mend';

const t = useCrashRedis();

test('cache-warmup: killed at every activity, it still warms each key once and recovers', async () => {
  const products = 50;
  const prefix = `crash-warm-${Date.now()}`;
  const source = await startSourceOfTruth(products);
  const reader = redisClient(t.server.url);
  const load = startReadLoad(reader, products);
  let run = 0;
  try {
    const report = await crashEveryPoint({
      client: t.client,
      configPath: crashConfig(prefix, { redisUrl: t.server.url }),
      reset: async () => void (await t.redis.flushall()),
      start: () =>
        startCrashIncident(t.client, prefix, `${prefix}-${run}`, {
          runbook: 'cache-warmup',
          severity: 'warning',
          params: { redis: `${prefix}-${run++}`, source: source.url, hotKeys: products, sample: '500ms', stabilize: '1s', verifyWithin: '30s' },
        }),
      count: async () => ({
        ...(await commandCalls(t.redis, 'set')),
        warmed: await t.redis.exists(...Array.from({ length: products }, (_, i) => productKey(i))),
      }),
    });
    expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { set: products, warmed: products } });
    expectLikeClean(report);
  } finally {
    await load.stop();
    reader.disconnect();
    await source.close();
  }
}, 600_000);
