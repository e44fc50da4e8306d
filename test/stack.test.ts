// The README's run command, scripts/stack.sh, started once for the whole file: Temporal + UI, Redis, MariaDB, the
// shop, the worker, the gateway and the detection chain answer; then game days on it: every scenario injected into
// the real parts, detected by the stack's real Prometheus (the rules' `for:` shortened by config) through
// Alertmanager and the gateway, recovered by mend, undone, and reported; a drill refused on a target not marked for
// drills; the undo restoring the system when the budget runs out before mend recovers, and when the operator
// presses Ctrl-C. Last, Ctrl-C stops the stack and a restart on the same data keeps every incident.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DrillRunResult } from '../drills/result';
import { kubeApis } from './helpers/kube';
import { portOpen, root } from './helpers/processes';
import { monitoringPorts, type RunningStack, useStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

// A second name for the same shop, not marked `drill: allowed`.
const stack = useStack((config) => {
  const shops = config.shop as Record<string, Record<string, unknown>>;
  shops.unmarked = { url: shops.shop.url, adminTokenEnv: 'SHOP_ADMIN_TOKEN' };
});
const { cli } = stack;
let redis: Redis;
let running: RunningStack;

beforeAll(async () => {
  running = stack.start();
  await stack.said(running, 'the stack', ['mend is running', 'mend worker ready', 'shop ready on', 'monitoring ready'], 300_000);
  redis = new Redis(`redis://127.0.0.1:${stack.ports.redis}`);
}, 320_000);

afterAll(() => redis?.disconnect());

test('the stack answers: the Web UI, Redis, the shop through the cache, incidents by hand and by alert', async () => {
  const { ports, data } = stack;
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
}, 300_000);

/** `mend drill ...` with --json; its exit code and the run's result. */
async function drill(...args: string[]): Promise<{ code: number; run: DrillRunResult }> {
  const result = await stack.cli('drill', '--json', ...args).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  return { code: result.code, run: JSON.parse(result.stdout) as DrillRunResult };
}

const shopUrl = () => `http://127.0.0.1:${stack.ports.shop}`;

test('mend drill --all: each scenario is detected by Prometheus and recovered by its runbook; nothing acknowledged is lost', async () => {
  const { code, run } = await drill('--all');
  // A drill that did not recover shows its incident's timeline.
  const summary = run.drills
    .map((d) => ({
      scenario: d.scenario,
      outcome: d.outcome,
      runbook: d.observation?.attempts.find((a) => a.status === 'verified')?.runbook,
      error: d.outcome === 'recovered' ? d.error : (d.error ?? JSON.stringify(d.observation)),
    }))
    .sort((a, b) => a.scenario.localeCompare(b.scenario));
  expect(summary).toEqual([
    { scenario: 'k8s-deployment-overloaded', outcome: 'recovered', runbook: 'k8s-scale-up', error: undefined },
    { scenario: 'k8s-node-not-ready', outcome: 'recovered', runbook: 'k8s-node-drain', error: undefined },
    { scenario: 'k8s-pod-crash-loop', outcome: 'recovered', runbook: 'k8s-pod-restart', error: undefined },
    { scenario: 'mysql-primary-killed', outcome: 'recovered', runbook: 'mysql-primary-failover', error: undefined },
    { scenario: 'mysql-replica-sql-stopped', outcome: 'recovered', runbook: 'mysql-replication-repair', error: undefined },
    { scenario: 'redis-cache-flushed', outcome: 'recovered', runbook: 'cache-warmup', error: undefined },
    { scenario: 'redis-memory-pressure', outcome: 'recovered', runbook: 'redis-memory-relief', error: undefined },
    { scenario: 'shop-connection-surge', outcome: 'recovered', runbook: 'mysql-connection-surge', error: undefined },
    { scenario: 'shop-pool-exhausted', outcome: 'recovered', runbook: 'db-pool-reset', error: undefined },
    { scenario: 'shop-process-crashed', outcome: 'recovered', runbook: 'service-restart', error: undefined },
  ]);
  expect(code).toBe(0);
  for (const d of run.drills) {
    // Prometheus fired first, then the gateway heard, then mend diagnosed, fixed and verified.
    const at = (event: string) => Date.parse(d.observation!.timeline.find((t) => t.event === event)!.at);
    expect(Date.parse(d.observation!.firedAt!)).toBeGreaterThan(Date.parse(d.injectedAt!));
    expect(at('detected')).toBeGreaterThan(Date.parse(d.injectedAt!));
    expect(d.impact!.requests).toBeGreaterThan(0);
    expect({ scenario: d.scenario, missing: d.impact!.missing, acked: d.impact!.acked > 0 }).toEqual({ scenario: d.scenario, missing: 0, acked: true });
    expect(existsSync(join(stack.data, 'drills', run.runId, `${d.scenario}.svg`))).toBe(true);
  }
  const report = readFileSync(run.report!, 'utf8');
  expect(report).toContain('**Auto-recovery: 10 of 10** (100%)');
  // The overload drill's undo scaled the shop's web tier back to the replicas it found.
  const { apps } = kubeApis(join(stack.data, 'kwok', 'clusters', 'mend', 'kubeconfig.yaml'));
  expect((await apps.readNamespacedDeployment({ namespace: 'shop', name: 'web' })).spec?.replicas).toBe(3);
  // The failover moved the writer: the shop's orders still land (the pool was reset after the failover).
  const order = await fetch(`${shopUrl()}/orders`, { method: 'POST', body: JSON.stringify({ productId: 1, quantity: 1 }) });
  expect(order.status).toBe(201);
}, 1_200_000);

test('a drill on a target not marked `drill: allowed` is refused and changes nothing', async () => {
  const leaksBefore = await reportRequests(400);
  const { code, run } = await drill('shop-pool-exhausted', '--target', 'unmarked');
  expect(code).toBe(4);
  expect(run.drills[0]).toMatchObject({ outcome: 'not run', error: expect.stringContaining('refused: unmarked is not marked `drill: allowed` in config') });
  expect(run.drills[0].injectedAt).toBeUndefined();
  expect(await reportRequests(400)).toBe(leaksBefore);
}, 120_000);

test('a drill whose budget runs out before mend recovers is stopped, and its undo restores what it broke', async () => {
  const keysBefore = await redis.dbsize();
  expect(keysBefore).toBeGreaterThan(0);
  // The hit-rate alert needs about 25 s: a 10 s budget stops the drill first.
  const { code, run } = await drill('redis-cache-flushed', '--budget', '10s');
  expect(code).toBe(4);
  expect(run.drills[0]).toMatchObject({
    outcome: 'stopped at budget',
    error: expect.stringMatching(/^the budget ran out: RedisCacheHitRateLow had not fired; /),
    undone: expect.stringMatching(/^restored \d+ of the deleted keys/),
  });
  expect(await redis.dbsize()).toBeGreaterThanOrEqual(keysBefore);
}, 180_000);

test('Ctrl-C stops the drill in progress and undoes its fault', async () => {
  const cli = spawn('node', [join(root, 'dist', 'cli', 'main.js'), 'drill', 'redis-memory-pressure'], {
    env: { ...process.env, MEND_CONFIG: stack.configPath, TEMPORAL_ADDRESS: `127.0.0.1:${stack.ports.temporal}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  cli.stdout.on('data', (d) => (output += d));
  cli.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
  await waitFor(async () => output.includes('redis-memory-pressure: waiting for RedisMemoryHigh'), 'the injection', 120_000);
  expect(await drillKeys()).toBeGreaterThan(0);
  cli.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(output).toContain('redis-memory-pressure on default: cancelled');
  expect(await drillKeys()).toBe(0);
  const memory = Object.fromEntries(
    (await redis.info('memory'))
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':')),
  );
  expect(Number(memory.used_memory) / Number(memory.maxmemory)).toBeLessThan(0.8);
}, 180_000);

test('Ctrl-C stops the whole stack; a restart on the same data keeps every incident', async () => {
  const { ports } = stack;
  redis.disconnect();
  expect(await stack.ctrlC(running)).toBe(0);
  const monitoring = Array.from({ length: monitoringPorts }, (_, i) => ports.monitoring + i);
  for (const port of [...Object.values(ports), ports.mysql + 1, ports.mysql + 2, ...monitoring]) expect({ port, open: await portOpen(port) }).toEqual({ port, open: false });

  const second = stack.start();
  await stack.said(second, 'the restarted stack', ['mend worker ready', 'shop ready on', 'monitoring ready'], 300_000);
  // The restarted servers came back read-only; the writer took writes again: the shop's orders are acknowledged.
  const order = await fetch(`http://127.0.0.1:${ports.shop}/orders`, { method: 'POST', body: JSON.stringify({ productId: 1, quantity: 1 }) });
  expect(order.status).toBe(201);
  const status = await cli('status', 'stack-dry-run');
  expect(status.stdout).toContain('incident stack-dry-run on redis/default: not-needed');
  expect((await cli('incidents', '--json')).stdout).toContain('stack-dry-run');
  expect(await stack.ctrlC(second)).toBe(0);
}, 600_000);

async function drillKeys(): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'session:drill:*', 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

/** The shop's report requests answered with `code`, from its own metrics. */
async function reportRequests(code: number): Promise<number> {
  const text = await (await fetch(`${shopUrl()}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`shop_requests_total{route="report",code="${code}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}
