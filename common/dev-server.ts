// A Temporal dev server (the CLI's `temporal server start-dev`, provisioned by mend's scripts) for tests, a pack's
// crash tests and benchmarks. Node only.
import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { freePort, stopProcess, waitForPort } from './processes';
import { provisioned } from './provisioned';
import { waitFor } from './wait-for';

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
  const uiUrl = uiPort ? `http://127.0.0.1:${uiPort}` : undefined;
  try {
    await waitForPort(port, 30_000, 'Temporal dev server');
    // The UI answers before its API can reach the server: wait for the API.
    if (uiUrl) await waitFor(async () => (await fetch(`${uiUrl}/api/v1/namespaces/default`).catch(() => undefined))?.ok, 'the Temporal UI API');
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
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
