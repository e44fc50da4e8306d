// MySQL/MariaDB activities: health and diagnosis, failover steps, the writer endpoint, hooks, sessions (connection
// surges), replication repair, backups.
import { backupActivities } from './backup';
import type { MysqlClusters } from './connections';
import { failoverActivities } from './failover';
import { healthActivities } from './health';
import { hookActivities } from './hooks';
import { replicationActivities } from './replication';
import { sessionActivities } from './sessions';
import { writerEndpointActivities } from './writer-endpoint';

export function mysqlActivities(clusters: MysqlClusters) {
  return {
    ...healthActivities(clusters),
    ...failoverActivities(clusters),
    ...writerEndpointActivities(clusters),
    ...hookActivities(clusters),
    ...sessionActivities(clusters),
    ...replicationActivities(clusters),
    ...backupActivities(clusters),
  };
}

export type MysqlActivities = ReturnType<typeof mysqlActivities>;
