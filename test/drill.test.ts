// Game days on the README's stack: every scenario injected into the real parts, detected by the stack's real
// Prometheus (the rules' `for:` shortened by config) through Alertmanager and the gateway, recovered by mend, undone,
// and reported; a drill refused on a target not marked for drills; the undo restoring the system when the budget
// runs out before mend recovers, and when the operator presses Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { DrillRunResult } from '../drills/result';
import { root } from './helpers/processes';
import { useStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

// A second name for the same shop, not marked `drill: allowed`.
const stack = useStack((config) => {
  const shops = config.shop as Record<string, Record<string, unknown>>;
  shops.unmarked = { url: shops.shop.url, adminTokenEnv: 'SHOP_ADMIN_TOKEN' };
});
let redis: Redis;

beforeAll(async () => {
  const running = stack.start();
  await stack.said(running, 'the stack', ['mend worker ready', 'shop ready on', 'monitoring ready'], 300_000);
  redis = new Redis(`redis://127.0.0.1:${stack.ports.redis}`);
}, 320_000);

afterAll(() => redis?.disconnect());

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
  expect(report).toContain('**Auto-recovery: 9 of 9** (100%)');
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
