// Redis near maxmemory: raise maxmemory for headroom, delete expendable keys (kept in a snapshot for undo),
// then verify memory falls below the threshold. A failed verification restores both.
import { defineRunbook, duration, z } from 'mend';
import type { RedisActivities } from '../actions/redis';

export const redisMemoryRelief = defineRunbook({
  name: 'redis-memory-relief',
  description: 'Free Redis memory by deleting expendable keys (undoable) and optionally raising maxmemory',
  risk: 'medium',
  params: z.object({
    redis: z.string().default('default').describe('Redis instance name from config'),
    pattern: z
      .string()
      .min(2)
      .refine((p) => p.replace(/[*?]/g, '').length > 0, 'a pattern of wildcards alone would delete everything')
      .describe('keys that may be deleted, e.g. "session:*"'),
    maxmemoryBytes: z.number().int().positive().optional().describe('absolute maxmemory to set for headroom'),
    below: z.number().gt(0).max(1).default(0.9).describe('recovered when used/maxmemory is below this'),
    stabilize: duration.default('5s'),
    verifyWithin: duration.default('1m'),
  }),
  target: (p) => `redis/${p.redis}`,
  escalateTo: ['redis-flush-cache'],
  async run(kit, p) {
    const redis = kit.activities<RedisActivities>();
    const memory = await redis.redisMemory({ redis: p.redis });
    if (memory.ratio === null) return { notNeeded: 'maxmemory is unlimited (0): there is no limit to relieve' };
    if (memory.ratio < p.below) {
      return { notNeeded: `memory at ${(memory.ratio * 100).toFixed(1)}% of maxmemory is below ${p.below * 100}%` };
    }
    if (p.maxmemoryBytes) {
      const original = memory.maxBytes; // read before acting: a retried step cannot mistake its own value for it
      await kit.step(
        `set maxmemory to ${p.maxmemoryBytes} bytes`,
        redis.redisSetMaxmemory,
        {
          redis: p.redis,
          bytes: p.maxmemoryBytes,
        },
        { undo: () => redis.redisSetMaxmemory({ redis: p.redis, bytes: original }) },
      );
    }
    const snapshot = kit.uniqueId('deleted-keys');
    const scan = kit.activities<RedisActivities>({ waitsUpTo: '30m' });
    await kit.step(
      `delete keys matching ${p.pattern}`,
      scan.redisDeleteKeys,
      { redis: p.redis, pattern: p.pattern, snapshot },
      {
        destructive: true,
        undo: () => redis.redisRestoreKeys({ redis: p.redis, snapshot }),
      },
    );
    await kit.stabilize(p.stabilize);
    await kit.verify(
      `memory below ${p.below * 100}% of maxmemory`,
      async () => {
        const now = await redis.redisMemory({ redis: p.redis });
        return { ok: now.ratio !== null && now.ratio < p.below, evidence: now };
      },
      { within: p.verifyWithin, every: '1s' },
    );
    return undefined;
  },
});
