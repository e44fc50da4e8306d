// Faults `mend drill` injects into a Redis instance marked `drill: allowed`: the cache flushed (every key deleted, a
// copy kept for the undo) and memory pressure (expendable session keys written up to 93% of maxmemory).
import { defineDrills, drillTargets, nonRetryable } from 'mend';
import type { RedisConfig } from './config';
import { redisActivities } from './actions/redis';
import { RedisPool } from './actions/redis-pool';
import { SnapshotStore } from './actions/snapshots';

const fillTo = 0.93;
const healthyBelow = 0.8;
const valueBytes = 128 * 1024;
const drillKeys = 'session:drill:';

export default defineDrills({
  create(config: RedisConfig, mend) {
    const pool = new RedisPool(config);
    mend.onClose(() => pool.close());
    const redis = redisActivities(pool, new SnapshotStore(mend.snapshotsDir));
    const targets = drillTargets(config);
    const healthy = async (name: string) => {
      await pool.get(name).ping();
      const memory = await redis.redisMemory({ redis: name });
      return memory.ratio !== null && memory.ratio >= healthyBelow ? `it uses ${Math.round(memory.ratio * 100)}% of maxmemory` : undefined;
    };

    return {
      scenarios: {
        'redis-cache-flushed': {
          description: 'every key of the cache deleted (as by FLUSHDB)',
          targets,
          expects: { alert: 'RedisCacheHitRateLow', runbook: 'cache-warmup' },
          healthy,
          async inject(name: string) {
            const snapshot = `drill-flush-${name}-${Date.now()}`;
            const { keys } = await redis.redisDeleteKeys({ redis: name, pattern: '*', snapshot });
            return { snapshot, keys };
          },
          async undo(name: string, injected) {
            const { restored, skipped } = await redis.redisRestoreKeys({ redis: name, snapshot: String(injected.snapshot) });
            return `restored ${restored} of the deleted keys (${skipped} were back already)`;
          },
        },
        'redis-memory-pressure': {
          description: `expendable session keys written until Redis uses ${fillTo * 100}% of its maxmemory`,
          targets,
          expects: { alert: 'RedisMemoryHigh', runbook: 'redis-memory-relief' },
          healthy,
          async inject(name: string) {
            const client = pool.get(name);
            const value = 'x'.repeat(valueBytes);
            let keys = 0;
            for (;;) {
              const memory = await redis.redisMemory({ redis: name });
              if (memory.ratio === null) throw nonRetryable(`Redis ${name} has no maxmemory: memory pressure cannot be drilled`);
              if (memory.ratio >= fillTo) break;
              const batch = Math.max(1, Math.floor(((fillTo - memory.ratio) * memory.maxBytes) / valueBytes / 2));
              const writes = client.pipeline();
              for (let i = 0; i < batch; i++) writes.set(`${drillKeys}${keys++}`, value);
              await writes.exec();
            }
            return { keys };
          },
          async undo(name: string) {
            const client = pool.get(name);
            let deleted = 0;
            let cursor = '0';
            do {
              const [next, batch] = await client.scan(cursor, 'MATCH', `${drillKeys}*`, 'COUNT', 500);
              cursor = next;
              if (batch.length) deleted += await client.unlink(...batch);
            } while (cursor !== '0');
            return `deleted ${deleted} of the drill's session keys`;
          },
        },
      },
    };
  },
});
