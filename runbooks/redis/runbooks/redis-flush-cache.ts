// Flush a cache database that holds corrupt entries. Destructive with no undo: the default safety policy
// refuses it; an organisation that accepts the loss sets refuseDestructiveWithoutUndo: false.
import { defineRunbook, duration, z } from 'mend';
import type { RedisActivities } from '../actions/redis';

export const redisFlushCache = defineRunbook({
  name: 'redis-flush-cache',
  description: 'FLUSHDB a cache database (no undo: refused by the default policy)',
  risk: 'high',
  params: z.object({
    redis: z.string().default('default').describe('Redis instance name from config'),
    verifyWithin: duration.default('30s'),
  }),
  target: (p) => `redis/${p.redis}`,
  async run(kit, p) {
    const redis = kit.activities<RedisActivities>();
    // Flushed once however often the step is retried (the marker is the only key left).
    const marker = `mend:flushed:${kit.uniqueId('flush')}`;
    await kit.step('flush the cache database', redis.redisFlushDb, { redis: p.redis, marker }, { destructive: true });
    await kit.verify(
      'the cache database is empty',
      async () => {
        const { keys } = await redis.redisKeyCount({ redis: p.redis, except: marker });
        return { ok: keys === 0, evidence: { keys } };
      },
      { within: p.verifyWithin, every: '1s' },
    );
  },
});
