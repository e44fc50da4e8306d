// Activities of the incident itself: the policy it runs under, the facts it diagnoses, the people it escalates to.
import { log } from '@temporalio/activity';
import type { SafetyPolicy, Severity } from '../common/types';
import type { MendConfig } from '../config/schema';
import { nonRetryable } from './errors';
import { parseInfo } from './redis';
import type { RedisPool } from './redis-pool';

export interface IncidentSettings {
  policy: SafetyPolicy;
  searchAttributes: boolean;
}

export interface Diagnosis {
  summary: string;
  facts: Record<string, unknown>;
}

export function incidentActivities(config: MendConfig, redis: RedisPool) {
  const diagnosers: Record<string, (name: string) => Promise<Diagnosis>> = {
    async redis(name) {
      const info = parseInfo(await redis.get(name).info());
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

  return {
    /** What an incident runs under: the safety policy, and whether to tag it with search attributes. */
    async incidentSettings(): Promise<IncidentSettings> {
      return { policy: config.policy, searchAttributes: config.temporal.searchAttributes };
    },

    /** Facts about the target, by its kind ('redis/default' → Redis INFO). */
    async diagnose({ target }: { target: string }): Promise<Diagnosis> {
      const [kind, name] = target.split('/', 2);
      const diagnoser = diagnosers[kind];
      if (!diagnoser || !name) throw nonRetryable(`no diagnosis for target "${target}"`);
      return diagnoser(name);
    },

    /** Hands the incident to people. Paging integrations come with notifications; until then it is logged. */
    async escalate(input: { incidentId: string; target: string; severity: Severity; reason: string }): Promise<void> {
      log.warn('incident escalated to people', input);
    },
  };
}
