// Builds mend's worker: workflows (engine + runbooks), activities, and the metrics sink.
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkerInterceptors } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { MendConfig } from '../config/schema';
import { logLine } from '../common/json-log';
import { workflowBundle } from '../packs/bundle';
import { configPacks } from '../packs/load';
import type { MendMetrics } from './metrics';

export interface WorkerParts {
  config: MendConfig;
  connection: NativeConnection;
  client: Client;
  metrics: MendMetrics;
  taskQueue?: string;
  /** A prebuilt workflow bundle (tests and benches build it once); otherwise the packs' bundle, built or cached. */
  workflowBundlePath?: string;
  interceptors?: WorkerInterceptors;
}

export interface MendWorker {
  worker: Worker;
  /** Runs until shutdown, then closes what the packs' actions opened. */
  run(): Promise<void>;
}

export async function createMendWorker(parts: WorkerParts): Promise<MendWorker> {
  const { config, connection, client, metrics, workflowBundlePath } = parts;
  const packs = configPacks(config);
  const codePath = workflowBundlePath ?? (await workflowBundle(packs, { onBuild: (key) => logLine('INFO', 'bundling workflow code', { key }) }));
  const { activities, close } = createActivities(config, client, packs, metrics.notifications);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: parts.taskQueue ?? config.temporal.taskQueue,
    workflowBundle: { codePath },
    activities,
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    sinks: metrics.sinks(),
    interceptors: parts.interceptors,
  }).catch(async (err) => {
    await close();
    throw err;
  });
  return { worker, run: () => worker.run().finally(close) };
}
