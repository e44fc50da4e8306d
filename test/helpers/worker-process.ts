// mend's worker (dist/workers/main.js) or gateway (dist/gateway/main.js) as a real process: crash and restart
// tests, and benchmarks.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MendConfig } from '../../config/schema';
import { startMendProcess, type WorkerProcess } from '../../common/mend-process';
import { scratchDir } from './processes';

export type { WorkerProcess };

export function writeConfig(config: MendConfig, dir: string, name: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify({ ...config, metrics: { ...config.metrics, host: '127.0.0.1', port: 0 } }));
  return path;
}

/** Writes the config of a worker process on the suite's Temporal server, on a task queue of its own if given. */
export function processConfigFile(config: MendConfig, taskQueue?: string): string {
  Object.assign(config.temporal, { address: process.env.MEND_TEST_TEMPORAL!, ...(taskQueue && { taskQueue }) });
  return writeConfig(config, scratchDir('worker-'), 'mend');
}

/** Where a started worker serves /metrics (its "ready" log line says). */
export const metricsUrl = (worker: WorkerProcess): string =>
  JSON.parse(
    worker
      .output()
      .split('\n')
      .find((l) => l.includes('"mend worker ready"'))!,
  ).metrics as string;

export function startWorkerProcess(configPath: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  return startMendProcess(join('workers', 'main.js'), '"mend worker ready"', configPath, env);
}

export function startGatewayProcess(configPath: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  return startMendProcess(join('gateway', 'main.js'), '"mend gateway ready"', configPath, env);
}
