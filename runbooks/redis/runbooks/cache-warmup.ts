// The seed's cache strategy: when the hit rate falls below 50%, warm the hot keys from their source of truth,
// then verify under the real read load that the hit rate rises above 70%.
import { defineRunbook, duration, toMs, z } from 'mend';
import type { RedisActivities } from '../actions/redis';

export const cacheWarmup = defineRunbook({
  name: 'cache-warmup',
  description: 'Warm a cold Redis cache from its source of truth and verify the hit rate recovers',
  risk: 'low',
  params: z.object({
    redis: z.string().default('default').describe('Redis instance name from config'),
    source: z.string().url().describe('source of truth: GET ?limit=N returns [{key, value, ttlSeconds}]'),
    hotKeys: z.number().int().min(1).max(100_000).default(1000).describe('how many hot keys to load'),
    actBelow: z.number().min(0).max(1).default(0.5).describe('act when the hit rate is below this'),
    verifyAbove: z.number().min(0).max(1).default(0.7).describe('recovered when the hit rate is above this'),
    sample: duration.default('2s').describe('window over which the hit rate is measured'),
    stabilize: duration.default('10s').describe('settle time before verifying'),
    verifyWithin: duration.default('2m').describe('verification deadline'),
  }),
  target: (p) => `redis/${p.redis}`,
  async run(kit, p) {
    const redis = kit.activities<RedisActivities>();
    const sampleMs = toMs(p.sample);
    const before = await redis.redisHitRate({ redis: p.redis, sampleMs });
    if (before.rate !== null && before.rate >= p.actBelow) {
      return { notNeeded: `hit rate ${percent(before.rate)} is not below ${percent(p.actBelow)}` };
    }
    await kit.step(`warm ${p.hotKeys} hot keys from the source of truth`, redis.redisWarmKeys, {
      redis: p.redis,
      source: p.source,
      limit: p.hotKeys,
    });
    await kit.stabilize(p.stabilize);
    await kit.verify(
      `hit rate above ${percent(p.verifyAbove)} under read load`,
      async () => {
        const now = await redis.redisHitRate({ redis: p.redis, sampleMs });
        return { ok: now.rate !== null && now.rate > p.verifyAbove, evidence: { before, now } };
      },
      { within: p.verifyWithin, every: '1s' },
    );
    return undefined;
  },
});

const percent = (r: number) => `${(r * 100).toFixed(1)}%`;
