// What an incident on a Redis instance knows before acting: memory, clients, hit rate and evictions.
import type { Diagnosis, DiagnoseInput } from 'mend';
import { parseInfo } from './redis';
import type { RedisPool } from './redis-pool';

export function redisDiagnosis(pool: RedisPool) {
  return {
    async redisDiagnose({ name }: DiagnoseInput): Promise<Diagnosis> {
      const info = parseInfo(await pool.get(name).info());
      const lookups = info.keyspace_hits + info.keyspace_misses;
      const hitRate = lookups > 0 ? info.keyspace_hits / lookups : null;
      const facts = {
        usedMemory: info.used_memory,
        maxMemory: info.maxmemory,
        connectedClients: info.connected_clients,
        hitRateSinceStart: hitRate,
        evictedKeys: info.evicted_keys,
      };
      const rate = hitRate === null ? 'no reads yet' : `${(hitRate * 100).toFixed(1)}% hit rate since start`;
      return { summary: `redis/${name}: ${info.used_memory} B used of ${info.maxmemory || 'unlimited'}, ${rate}`, facts };
    },
  };
}
