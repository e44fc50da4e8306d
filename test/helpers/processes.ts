// Starting and stopping the real servers tests use.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { projectRoot } from '../../common/project-root';
import { freePort, portOpen, stopProcess, waitForPort } from '../../common/processes';
import { provisioned } from '../../common/provisioned';
import { waitFor } from './wait';

export { freePort, portOpen, provisioned, stopProcess, waitForPort };

export const root = projectRoot();

/** A fresh folder in the run's scratch folder (deleted at teardown); in the OS temp folder outside a test run. */
export const scratchDir = (prefix: string) => mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), prefix));

export const provisionedChromium = () => provisioned('chromium', 'CHROMIUM_BIN');

/** Eager dispatch of workflow and activity tasks to a worker that is already there: fewer round trips. */
const devServerLatencyFlags = ['--dynamic-config-value', 'system.enableEagerWorkflowStart=true', '--dynamic-config-value', 'system.enableActivityEagerExecution=true'];

export interface DevServer {
  address: string;
  port: number;
  /** The Web UI's base URL, when started with `ui`. */
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server; with dbFile its data survives a restart; with ui, its Web UI too. A free port another
 * process takes first (the server then exits) is retried on another, unless the port was asked for.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  for (let tries = 1; ; tries++) {
    const server = await launchDevServer(options);
    if (await answersAsTemporal(server)) return server;
    await server.stop();
    if (options.port || tries === 3) throw new Error(`the Temporal dev server did not come up on port ${server.port}`);
  }
}

export interface DevServerOptions {
  port?: number;
  dbFile?: string;
  ui?: boolean;
  /** More dynamic config, as `key=value` (e.g. a low limit.historyCount.suggestContinueAsNew). */
  dynamicConfig?: string[];
}

async function launchDevServer(options: DevServerOptions): Promise<DevServer> {
  const temporal = provisioned('temporal', 'TEMPORAL_BIN');
  const port = options.port ?? (await freePort());
  const uiPort = options.ui ? await freePort() : undefined;
  const args = [
    'server',
    'start-dev',
    ...(uiPort ? ['--ui-ip', '127.0.0.1', '--ui-port', String(uiPort)] : ['--headless']),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    'default',
    '--log-level',
    'error',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...devServerLatencyFlags,
    ...(options.dynamicConfig ?? []).flatMap((value) => ['--dynamic-config-value', value]),
    ...['MendRunbook', 'MendTarget', 'MendSeverity', 'MendStatus'].flatMap((k) => ['--search-attribute', `${k}=Keyword`]),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
  ];
  const child = spawn(temporal, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, 30_000, 'Temporal dev server');
  const uiUrl = uiPort ? `http://127.0.0.1:${uiPort}` : undefined;
  // The UI answers before its API can reach the server: wait for the API.
  if (uiUrl) await waitFor(async () => (await fetch(`${uiUrl}/api/v1/namespaces/default`).catch(() => undefined))?.ok, 'the Temporal UI API');
  return { address: `127.0.0.1:${port}`, port, uiUrl, process: child, stop: () => stopProcess(child) };
}

/** The port answers Temporal's own API, from the server just started (not a process that held the port). */
async function answersAsTemporal(server: DevServer): Promise<boolean> {
  const connection = await Connection.connect({ address: server.address, connectTimeout: '10s' }).catch(() => undefined);
  try {
    await connection?.workflowService.getSystemInfo({});
    return !!connection && server.process.exitCode === null && server.process.signalCode === null;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A private redis-server per test file: INFO stats are server-wide, so files must not share one. */
export async function startRedis(): Promise<RedisServer> {
  const redisServer = provisioned('redis', 'REDIS_SERVER');
  const port = await freePort();
  const child = spawn(redisServer, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(port, 10_000, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(child) };
}

export interface KubeCluster {
  kubeconfig: string;
  stop(): Promise<void>;
}

/** A Kubernetes control plane with kwok nodes (scripts/kube-cluster.sh), its state under workdir. */
export async function startKubeCluster(workdir: string, name = 'mend-test'): Promise<KubeCluster> {
  const script = join(root, 'scripts', 'kube-cluster.sh');
  const env = { ...process.env, KWOK_WORKDIR: workdir };
  const run = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`kube-cluster.sh ${args.join(' ')} exited ${code}`))));
    });
  const kubeconfig = await run('up', name);
  return { kubeconfig, stop: async () => void (await run('down', name)) };
}
