// mend's worker (dist/workers/main.js) or gateway (dist/gateway/main.js) as a real process: crash and restart
// tests, and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MendConfig } from '../../config/schema';
import { root, scratchDir, stopProcess } from './processes';

export interface WorkerProcess {
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

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

/** A worker process that logs its activities and dies by SIGKILL at a planned point (workers/crash-worker.ts); a standby polls once told on stdin. */
export function startCrashWorker(configPath: string, env: { MEND_CRASH_PLAN: string; MEND_CRASH_LOG: string; MEND_CRASH_STANDBY?: '1' }): Promise<WorkerProcess> {
  return startMendProcess(join('workers', 'crash-worker.js'), '"mend worker ready"', configPath, env);
}

export function startGatewayProcess(configPath: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  return startMendProcess(join('gateway', 'main.js'), '"mend gateway ready"', configPath, env);
}

async function startMendProcess(entry: string, ready: string, configPath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', entry)], {
    env: { ...process.env, MEND_CONFIG: configPath, MEND_LOG_LEVEL: 'WARN', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes(ready)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`${entry} exited ${child.exitCode}:\n${output}`));
      setTimeout(check, 20);
    };
    check();
  });
  return { process: child, output: () => output, stop: (signal = 'SIGTERM') => stopProcess(child, signal) };
}
