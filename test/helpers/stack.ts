// The README's run command under test: scripts/stack.sh on ports of its own, with its config pointed at them,
// started and stopped with Ctrl-C as a user would; the CLI against it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freeBasePort } from './mariadb';
import { freePort, root, scratchDir } from './processes';
import { waitFor } from './wait';

const run = promisify(execFile);

/** Prometheus, Alertmanager, three mysqld_exporters, redis_exporter, kube-state-metrics and its telemetry. */
export const monitoringPorts = 8;

export interface StackPorts {
  temporal: number;
  ui: number;
  dex: number;
  redis: number;
  gateway: number;
  shop: number;
  metrics: number;
  mysql: number;
  monitoring: number;
}

export interface RunningStack {
  child: ChildProcess;
  output(): string;
}

export interface StackFixture {
  data: string;
  ports: StackPorts;
  configPath: string;
  start(): RunningStack;
  /** Waits for the stack's output to show every one of `lines`; on a timeout the error carries its output's end. */
  said(stack: RunningStack, what: string, lines: string[], withinMs?: number): Promise<void>;
  /** SIGINT, as Ctrl-C; resolves with the exit code. */
  ctrlC(stack: RunningStack): Promise<number | null>;
  cli(...args: string[]): Promise<{ stdout: string; stderr: string }>;
}

/** `adjust` changes the config the stack runs with (config/stack.yaml pointed at the fixture's ports). */
export function useStack(adjust: (config: Record<string, unknown>) => void = () => undefined): StackFixture {
  const stacks: ChildProcess[] = [];
  const fixture = { data: scratchDir('stack-') } as StackFixture;
  beforeAll(async () => {
    const ports: StackPorts = {
      temporal: await freePort(),
      ui: await freePort(),
      dex: await freePort(),
      redis: await freePort(),
      gateway: await freePort(),
      shop: await freePort(),
      metrics: await freePort(),
      mysql: await freeBasePort(),
      monitoring: await freeBasePort(monitoringPorts),
    };
    fixture.ports = ports;
    fixture.configPath = join(fixture.data, 'mend.yaml');
    const shop = `http://127.0.0.1:${ports.shop}`;
    const prometheus = `http://127.0.0.1:${ports.monitoring}`;
    // The stack's own config (config/stack.yaml), pointed at the fixture's ports and folders.
    const config: Record<string, unknown> = {
      extends: join(root, 'config', 'stack.yaml'),
      metrics: { port: ports.metrics },
      snapshots: { dir: join(fixture.data, 'snapshots') },
      core: { http: { shop: { url: shop }, 'shop-admin': { url: `${shop}/admin` } }, prometheus: { default: { url: prometheus } } },
      shop: { shop: { url: shop } },
      redis: { default: { url: `redis://127.0.0.1:${ports.redis}` } },
      mysql: { default: { writerEndpoint: { file: join(fixture.data, 'mariadb', 'writer.json') } } },
      // A second before and after each fault is enough to see the service in the chart (the default is 5s).
      drills: { dir: join(fixture.data, 'drills'), prometheus, baseline: '1s', tail: '1s' },
    };
    adjust(config);
    writeFileSync(fixture.configPath, stringify(config));
  });
  fixture.start = () => {
    const { ports } = fixture;
    const child = spawn('bash', [join(root, 'scripts', 'stack.sh')], {
      env: {
        ...process.env,
        MEND_DATA: fixture.data,
        MEND_CONFIG: fixture.configPath,
        MEND_TEMPORAL_PORT: String(ports.temporal),
        MEND_UI_PORT: String(ports.ui),
        MEND_DEX_PORT: String(ports.dex),
        MEND_APPROVAL_KEY: '',
        MEND_REDIS_PORT: String(ports.redis),
        MEND_GATEWAY_PORT: String(ports.gateway),
        MEND_SHOP_PORT: String(ports.shop),
        MEND_MYSQL_PORT: String(ports.mysql),
        MEND_MONITORING_PORT: String(ports.monitoring),
        MEND_GATEWAY_TOKEN: '',
        SHOP_ADMIN_TOKEN: '',
        TEMPORAL_ADDRESS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stacks.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    return { child, output: () => output };
  };
  fixture.ctrlC = async (stack) => {
    const exited = new Promise<number | null>((resolve) => stack.child.once('exit', (code) => resolve(code)));
    stack.child.kill('SIGINT');
    return exited;
  };
  fixture.said = (stack, what, lines, withinMs = 120_000) =>
    waitFor(async () => lines.every((l) => stack.output().includes(l)), what, withinMs).then(
      () => undefined,
      (err: Error) => {
        throw new Error(`${err.message}; the stack's output ends:\n${stack.output().slice(-4000)}`);
      },
    );
  fixture.cli = (...args) =>
    run('node', [join(root, 'dist', 'cli', 'main.js'), ...args], {
      env: { ...process.env, MEND_CONFIG: fixture.configPath, TEMPORAL_ADDRESS: `127.0.0.1:${fixture.ports.temporal}` },
    });
  afterAll(async () => {
    // A failed test leaves its stack running: stop it before its data goes (Temporal, Redis, kwok, MariaDB: ~0.5 GB).
    for (const child of stacks) if (child.exitCode === null && child.signalCode === null) await fixture.ctrlC({ child, output: () => '' });
    rmSync(fixture.data, { recursive: true, force: true });
  });
  return fixture;
}
