// Activities of the incident itself: the policy it runs under, the facts it diagnoses, the people it escalates to.
import { log } from '@temporalio/activity';
import type { NotificationSettings, SafetyPolicy, Severity } from '../common/types';
import { parseKubeTarget } from '../common/kube-targets';
import type { MendConfig } from '../config/schema';
import { nonRetryable } from './errors';
import { notifyTimeoutMs } from './notify';
import type { KubeClusters } from './kubernetes/clusters';
import { diagnoseKube } from './kubernetes/diagnose';
import type { MysqlClusters } from './mysql/connections';
import { diagnoseMysql } from './mysql/diagnose';
import { parseInfo } from './redis';
import type { RedisPool } from './redis-pool';

export interface IncidentSettings {
  policy: SafetyPolicy;
  searchAttributes: boolean;
  /** Absent when no sink is configured (and in histories recorded before notifications). */
  notifications?: NotificationSettings;
}

export interface Diagnosis {
  summary: string;
  facts: Record<string, unknown>;
}

export function incidentActivities(config: MendConfig, redis: RedisPool, clusters: KubeClusters, mysql: MysqlClusters) {
  const diagnosers: Record<string, (name: string, faultStartedAt: string) => Promise<Diagnosis>> = {
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
    mysql: (cluster) => diagnoseMysql(mysql, cluster),
    'mysql-backup': (cluster) => diagnoseMysql(mysql, cluster),
    async k8s(path, faultStartedAt) {
      const target = parseKubeTarget(path);
      if (!target) throw nonRetryable(`"k8s/${path}" is not a Kubernetes target (cluster/node/NAME or cluster/NAMESPACE/KIND/NAME)`);
      return diagnoseKube(clusters, target, faultStartedAt);
    },
  };

  return {
    /** What an incident runs under: the safety policy, and whether to tag it with search attributes. */
    async incidentSettings(): Promise<IncidentSettings> {
      const { sinks, progressEvery } = config.notifications;
      const notifications = Object.keys(sinks).length
        ? { uiUrl: config.temporal.uiUrl, progressEvery, sendTimeout: notifyTimeoutMs(config.notifications) }
        : undefined;
      return { policy: config.policy, searchAttributes: config.temporal.searchAttributes, notifications };
    },

    /** Facts about the target, by its kind: Redis INFO, a pod, deployment or node, a MySQL cluster's servers. */
    async diagnose({ target, faultStartedAt }: { target: string; faultStartedAt?: string }): Promise<Diagnosis> {
      const slash = target.indexOf('/');
      const diagnoser = diagnosers[target.slice(0, slash)];
      const name = target.slice(slash + 1);
      if (slash < 0 || !diagnoser || !name) throw nonRetryable(`no diagnosis for target "${target}"`);
      return diagnoser(name, faultStartedAt ?? new Date().toISOString());
    },

    /** Hands the incident to people: logged here; the incident also sends an `escalated` notice to the sinks. */
    async escalate(input: { incidentId: string; target: string; severity: Severity; reason: string }): Promise<void> {
      log.warn('incident escalated to people', input);
    },
  };
}
