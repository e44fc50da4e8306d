// The README's run command: scripts/stack.sh starts Temporal + UI, Redis, MariaDB, the shop, the worker and the gateway; an alert
// posted to the gateway opens an incident; Ctrl-C stops them all; a restart on the same data keeps every incident.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freeBasePort } from './helpers/mariadb';
import { freePort, portOpen, root, scratchDir } from './helpers/processes';
import { waitFor } from './helpers/wait';

const run = promisify(execFile);
const data = scratchDir('stack-');
let ports: { temporal: number; ui: number; redis: number; gateway: number; shop: number; mysql: number };
let configPath: string;

beforeAll(async () => {
  ports = { temporal: await freePort(), ui: await freePort(), redis: await freePort(), gateway: await freePort(), shop: await freePort(), mysql: await freeBasePort() };
  configPath = join(data, 'mend.yaml');
  const shipped = parse(readFileSync(join(root, 'config', 'mend.yaml'), 'utf8'));
  writeFileSync(
    configPath,
    stringify({
      metrics: { port: 0 },
      redis: { default: { url: `redis://127.0.0.1:${ports.redis}` } },
      mysql: { default: { ...shipped.mysql.default, writerEndpoint: { file: join(data, 'mariadb', 'writer.json') } } },
      gateway: shipped.gateway,
    }),
  );
});

const stacks: ChildProcess[] = [];

function startStack(): { child: ChildProcess; output: () => string } {
  const child = spawn('bash', [join(root, 'scripts', 'stack.sh')], {
    env: {
      ...process.env,
      MEND_DATA: data,
      MEND_CONFIG: configPath,
      MEND_TEMPORAL_PORT: String(ports.temporal),
      MEND_UI_PORT: String(ports.ui),
      MEND_REDIS_PORT: String(ports.redis),
      MEND_GATEWAY_PORT: String(ports.gateway),
      MEND_SHOP_PORT: String(ports.shop),
      MEND_MYSQL_PORT: String(ports.mysql),
      MEND_GATEWAY_TOKEN: '',
      TEMPORAL_ADDRESS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stacks.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function ctrlC(stack: ReturnType<typeof startStack>): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => stack.child.once('exit', (code) => resolve(code)));
  stack.child.kill('SIGINT');
  return exited;
}

afterAll(async () => {
  // A failed test leaves its stack running: stop it before its data goes (Temporal, Redis, kwok, MariaDB: ~0.5 GB).
  for (const child of stacks) if (child.exitCode === null && child.signalCode === null) await ctrlC({ child, output: () => '' });
  rmSync(data, { recursive: true, force: true });
});

/** Waits for the stack's output to show every one of `lines`; on a timeout the error carries its output's end. */
async function said(stack: ReturnType<typeof startStack>, what: string, lines: string[]): Promise<void> {
  await waitFor(async () => lines.every((l) => stack.output().includes(l)), what, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}; the stack's output ends:\n${stack.output().slice(-4000)}`);
  });
}

const cli = (...args: string[]) =>
  run('node', [join(root, 'dist', 'cli', 'main.js'), ...args], {
    env: { ...process.env, MEND_CONFIG: configPath, TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}` },
  });

test('start, use, stop with Ctrl-C, restart: the incident is still there', async () => {
  const first = startStack();
  await said(first, 'the stack', ['mend is running', 'mend worker ready', 'shop ready on']);
  const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
  expect(ui.status).toBe(200);
  expect(await portOpen(ports.redis)).toBe(true);
  // The shop reads its products from the topology's writer through the cache.
  const product = await fetch(`http://127.0.0.1:${ports.shop}/products/1`);
  expect({ status: product.status, body: await product.json() }).toEqual({ status: 200, body: { id: 1, name: 'product 1', price: '2.00' } });

  const started = await cli('run', 'redis-memory-relief', '--param', 'pattern=session:*', '--dry-run', '--id', 'stack-dry-run');
  expect(started.stdout).toContain('started incident stack-dry-run');
  await waitFor(async () => (await cli('status', 'stack-dry-run')).stdout.includes(': not-needed'), 'the incident to finish');

  // The MariaDB topology is up and mend reads it with its own account: every replica is healthy.
  await cli('run', 'mysql-replication-repair', '--id', 'stack-mysql');
  await waitFor(async () => (await cli('status', 'stack-mysql')).stdout.includes('incident stack-mysql on mysql/default: not-needed'), 'the MariaDB check');

  const token = readFileSync(join(data, 'gateway-token'), 'utf8');
  const alert = await fetch(`http://127.0.0.1:${ports.gateway}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ labels: { alertname: 'RedisMemoryHigh', redis: 'default' }, annotations: { expendable_keys: 'session:*' } }),
  });
  expect(alert.status).toBe(202);
  const [opened] = ((await alert.json()) as { incidents: { incidentId: string }[] }).incidents;
  expect(opened).toMatchObject({ runbook: 'redis-memory-relief', target: 'redis/default' });
  await waitFor(async () => (await cli('status', opened.incidentId)).stdout.includes(': not-needed'), "the alert's incident to run");

  expect(await ctrlC(first)).toBe(0);
  for (const port of [...Object.values(ports), ports.mysql + 1, ports.mysql + 2]) expect({ port, open: await portOpen(port) }).toEqual({ port, open: false });

  const second = startStack();
  await said(second, 'the restarted stack', ['mend worker ready', 'shop ready on']);
  // The restarted servers came back read-only; the writer took writes again: the shop's orders are acknowledged.
  const order = await fetch(`http://127.0.0.1:${ports.shop}/orders`, { method: 'POST', body: JSON.stringify({ productId: 1, quantity: 1 }) });
  expect(order.status).toBe(201);
  const status = await cli('status', 'stack-dry-run');
  expect(status.stdout).toContain('incident stack-dry-run on redis/default: not-needed');
  expect((await cli('incidents', '--json')).stdout).toContain('stack-dry-run');
  expect(await ctrlC(second)).toBe(0);
}, 240_000);
