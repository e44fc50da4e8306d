// Builds mend's worker: workflows (engine + runbooks), activities, and the metrics sink.
import type { Client } from '@temporalio/client';
import { Worker, type BundleOptions, type NativeConnection } from '@temporalio/worker';
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
}

export const workflowsPath = require.resolve('../workflows');

/**
 * zod is stateless, so one copy is shared by every workflow in the worker's V8 context instead of one per
 * cached workflow (the largest part of a workflow's memory otherwise).
 */
export function workflowBundleOptions(logger?: BundleOptions['logger']): BundleOptions {
  return { workflowsPath, preloadModules: ['zod'], logger };
}

export function createMendWorker(parts: WorkerParts): Promise<Worker> {
  const { config, connection, client, metrics, redis, workflowBundlePath } = parts;
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: parts.taskQueue ?? config.temporal.taskQueue,
    ...(workflowBundlePath ? { workflowBundle: { codePath: workflowBundlePath } } : { bundlerOptions: { preloadModules: ['zod'] }, workflowsPath }),
    activities: createActivities(config, client, redis),
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    sinks: metrics.sinks(),
  });
}
