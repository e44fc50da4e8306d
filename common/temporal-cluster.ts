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

/** How the cluster's frontend is secured (scripts/temporal-cluster.sh: MEND_CLUSTER_TLS, MEND_CLUSTER_JWKS). */
export interface ClusterSecurity {
  /** mTLS with the cluster's own CA. */
  tls?: boolean;
  /** JWTs (API keys) signed by a key from this JWKS URL, permissions in `permissionsClaim`. */
  jwks?: string;
  permissionsClaim?: string;
}

export interface TemporalCluster {
  address: string;
  uiUrl: string;
  dir: string;
  /** With security.tls: the CA and mend's client certificate (temporal.tls in mend's config). */
  tls?: { caFile: string; certFile: string; keyFile: string; serverName: string };
  /** Stops and starts the given services (all four by default); resolves once the cluster is healthy again. */
  restart(...services: TemporalService[]): Promise<void>;
  /** Stops every process, keeping the data in `dir`. */
  stop(): Promise<void>;
}

/** Ports PORT..PORT+12 and PORT+1000 (the UI) free, below Linux's ephemeral range. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    const ports = [...Array.from({ length: 13 }, (_, i) => base + i), base + 1000];
    if (!(await Promise.all(ports.map(portOpen))).some(Boolean)) return base;
  }
}

/** Starts (or, when `dir` holds one that runs, reuses) a cluster; its data stays in `dir`. */
export async function startTemporalCluster(dir: string, port?: number, security: ClusterSecurity = {}): Promise<TemporalCluster> {
  const script = join(projectRoot(), 'scripts', 'temporal-cluster.sh');
  const env = {
    ...process.env,
    MEND_CLUSTER_TLS: security.tls ? '1' : '',
    MEND_CLUSTER_JWKS: security.jwks ?? '',
    MEND_CLUSTER_PERMISSIONS_CLAIM: security.permissionsClaim ?? '',
  };
  const sh = (...args: string[]) => run('bash', [script, ...args], { maxBuffer: 16 << 20, env });
  // A failed start stops what it had started (PostgreSQL, some services) before the error goes on.
  const { stdout } = await sh('up', dir, String(port ?? (await freeClusterPort()))).catch(async (err: Error) => {
    await sh('down', dir).catch(() => undefined);
    throw err;
  });
  const info = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as { address: string; ui: string; tls?: TemporalCluster['tls'] };
  return {
    address: info.address,
    uiUrl: info.ui,
    tls: info.tls,
    dir,
    restart: async (...services) => void (await sh('restart', dir, ...services)),
    stop: async () => void (await sh('down', dir)),
  };
}
