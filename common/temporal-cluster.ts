// A real Temporal cluster (scripts/temporal-cluster.sh: PostgreSQL, four service processes, the UI server) for
// tests and benchmarks. Node only.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portOpen } from './processes';
import { projectRoot } from './project-root';

const run = promisify(execFile);

export type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';

export interface TemporalCluster {
  address: string;
  uiUrl: string;
  dir: string;
  /** Stops and starts the given services (all four by default); resolves once the cluster is healthy again. */
  restart(...services: TemporalService[]): Promise<void>;
  /** Stops every process, keeping the data in `dir`. */
  stop(): Promise<void>;
}

/** Ports PORT..PORT+9 and PORT+1000 (the UI) free, below Linux's ephemeral range. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    const ports = [...Array.from({ length: 10 }, (_, i) => base + i), base + 1000];
    if (!(await Promise.all(ports.map(portOpen))).some(Boolean)) return base;
  }
}

/** Starts (or, when `dir` holds one that runs, reuses) a cluster; its data stays in `dir`. */
export async function startTemporalCluster(dir: string, port?: number): Promise<TemporalCluster> {
  const script = join(projectRoot(), 'scripts', 'temporal-cluster.sh');
  const sh = (...args: string[]) => run('bash', [script, ...args], { maxBuffer: 16 << 20 });
  // A failed start stops what it had started (PostgreSQL, some services) before the error goes on.
  const { stdout } = await sh('up', dir, String(port ?? (await freeClusterPort()))).catch(async (err: Error) => {
    await sh('down', dir).catch(() => undefined);
    throw err;
  });
  const info = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as { address: string; ui: string };
  return {
    address: info.address,
    uiUrl: info.ui,
    dir,
    restart: async (...services) => void (await sh('restart', dir, ...services)),
    stop: async () => void (await sh('down', dir)),
  };
}
