// mend's own programs (dist/workers/main.js, dist/gateway/main.js, the crash worker) as child processes, started
// with a config file and ready once they say so. Node only.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { stopProcess } from './processes';
import { projectRoot } from './project-root';

export interface WorkerProcess {
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A first start may bundle the packs' workflow code (about 30 s on 2 cores). */
const readyWithinMs = 120_000;

/** Starts `dist/<entry>` with MEND_CONFIG=configPath; resolves once its output has the `ready` line. */
export async function startMendProcess(entry: string, ready: string, configPath: string, env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist', entry)], {
    env: { ...process.env, MEND_CONFIG: configPath, MEND_LOG_LEVEL: 'WARN', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + readyWithinMs;
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes(ready)) return resolve();
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${entry} exited ${child.exitCode ?? child.signalCode}:\n${output}`));
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        return reject(new Error(`${entry} did not say it was ready within ${readyWithinMs / 1000} s:\n${output}`));
      }
      setTimeout(check, 20);
    };
    check();
  });
  return { process: child, output: () => output, stop: (signal = 'SIGTERM') => stopProcess(child, signal) };
}

/** A worker process that logs its activities and dies by SIGKILL at a planned point (workers/crash-worker.ts); a standby polls once told on stdin. */
export function startCrashWorker(configPath: string, env: { MEND_CRASH_PLAN: string; MEND_CRASH_LOG: string; MEND_CRASH_STANDBY?: '1' }): Promise<WorkerProcess> {
  return startMendProcess(join('workers', 'crash-worker.js'), '"mend worker ready"', configPath, env);
}
