// All activities the worker registers, built from config and a Temporal client.
import type { Client } from '@temporalio/client';
import type { MendConfig } from '../config/schema';
import { guardActivities } from './guard';
import { httpCheckActivities } from './http-check';
import { incidentActivities } from './incident';
import { KubeClusters } from './kubernetes/clusters';
import { kubernetesActivities } from './kubernetes';
import { MysqlClusters } from './mysql/connections';
import { mysqlActivities } from './mysql';
import { notifyActivities, type NotifyCounter } from './notify';
import { redisActivities } from './redis';
import type { RedisPool } from './redis-pool';
import { SnapshotStore } from './snapshots';

export function createActivities(config: MendConfig, client: Client, redis: RedisPool, notifications?: NotifyCounter) {
  const clusters = new KubeClusters(config.kubernetes);
  const mysql = new MysqlClusters(config.mysql);
  return {
    ...incidentActivities(config, redis, clusters, mysql),
    ...guardActivities(client),
    ...redisActivities(redis, new SnapshotStore(config.snapshots.dir)),
    ...kubernetesActivities(clusters),
    ...mysqlActivities(mysql),
    ...notifyActivities(config.notifications, notifications),
    ...httpCheckActivities(),
  };
}

export type MendActivities = ReturnType<typeof createActivities>;
