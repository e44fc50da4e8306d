// Builds mend's worker: workflows (engine + runbooks), activities, and the metrics sink.
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerInterceptors } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { RedisPool } from '../activities/redis-pool';
import type { MendConfig } from '../config/schema';
import type { MendMetrics } from './metrics';

export interface WorkerParts {
  config: MendConfig;
  connection: NativeConnection;
  client: Client;
  metrics: MendMetrics;
  redis: RedisPool;
  taskQueue?: string;
  /** A prebuilt workflow bundle (tests and benches build it once); otherwise the worker bundles at start. */
  workflowBundlePath?: string;
  interceptors?: WorkerInterceptors;
}

export const workflowsPath = require.resolve('../workflows');

export function createMendWorker(parts: WorkerParts): Promise<Worker> {
  const { config, connection, client, metrics, redis, workflowBundlePath } = parts;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: parts.taskQueue ?? config.temporal.taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath }),
    activities: createActivities(config, client, redis, metrics.notifications),
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    sinks: metrics.sinks(),
    interceptors: parts.interceptors,
  });
}
