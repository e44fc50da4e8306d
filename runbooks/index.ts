// The runbook catalog. To add a runbook: write runbooks/<name>.ts with defineRunbook, add it here, add its test.
import { cacheWarmup } from './cache-warmup';
import { k8sNodeDrain } from './k8s-node-drain';
import { k8sPodRestart } from './k8s-pod-restart';
import { k8sRolloutRestart } from './k8s-rollout-restart';
import { k8sRolloutUndo } from './k8s-rollout-undo';
import { k8sScaleUp } from './k8s-scale-up';
import { mysqlBackupVerify } from './mysql-backup-verify';
import { mysqlConnectionSurge } from './mysql-connection-surge';
import { mysqlPrimaryFailover } from './mysql-primary-failover';
import { mysqlReplicationRepair } from './mysql-replication-repair';
import { mysqlSwitchover } from './mysql-switchover';
import { redisFlushCache } from './redis-flush-cache';
import { redisMemoryRelief } from './redis-memory-relief';

export const runbooks = [
  cacheWarmup,
  redisMemoryRelief,
  redisFlushCache,
  k8sPodRestart,
  k8sScaleUp,
  k8sRolloutUndo,
  k8sRolloutRestart,
  k8sNodeDrain,
  mysqlPrimaryFailover,
  mysqlSwitchover,
  mysqlReplicationRepair,
  mysqlConnectionSurge,
  mysqlBackupVerify,
];
