// MySQL/MariaDB activities: health and diagnosis, failover steps, the writer endpoint.
import type { MysqlClusters } from './connections';
import { failoverActivities } from './failover';
import { healthActivities } from './health';
import { writerEndpointActivities } from './writer-endpoint';

export function mysqlActivities(clusters: MysqlClusters) {
  return { ...healthActivities(clusters), ...failoverActivities(clusters), ...writerEndpointActivities(clusters) };
}

export type MysqlActivities = ReturnType<typeof mysqlActivities>;
