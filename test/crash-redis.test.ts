// kill -9 on the Redis runbooks. The crash harness: every activity of a clean run is a point where the worker dies
// (after the activity acted, or at its first heartbeat); a fresh worker finishes, and each run ends as the clean one
// did, with the same side effects counted by Redis itself (INFO commandstats) and by the source of truth. And a kill
// during the stabilization timer: the run was still open, and the second worker ended it.
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { incident } from '../workflows/incident';
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import type { CrashPoint } from '../workers/crash-worker';
import { crashEveryPoint, type CrashReport } from './helpers/crash-harness';
import { fillNearMaxmemory, redisClient, testConfig } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';
import { runbookView } from './helpers/incident';
import { waitFor } from './helpers/wait';
import { processConfigFile, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let server: RedisServer;
let redis: Redis;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  redis?.disconnect();
  await server?.stop();
});

/** Calls of each Redis command so far, by Redis's own counters. */
async function commandCalls(...commands: string[]): Promise<Record<string, number>> {
  const stats = await redis.info('commandstats');
  return Object.fromEntries(commands.map((c) => [c, Number(new RegExp(`cmdstat_${c.replace('|', '\\|')}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)]));
}

/** A worker config for crash runs: a fresh target name per run, no budget or cooldown between runs, no sticky cache. */
function crashConfig(prefix: string) {
  const config = testConfig(server.url, { attempts: { max: 1000, window: '1m' }, cooldown: '1s', activityTimeout: '20s' }, prefix, true, 200);
  config.worker.maxCachedWorkflows = 0;
  return processConfigFile(config, prefix);
}

const expectLikeClean = (report: CrashReport) => {
  expect(report.runs.length).toBeGreaterThan(0);
  expect(report.differing).toEqual([]);
};

test('cache-warmup: killed at every activity, it still warms each key once and recovers', async () => {
  const products = 50;
  const prefix = `crash-warm-${Date.now()}`;
  const source = await startSourceOfTruth(products);
  const reader = redisClient(server.url);
  const load = startReadLoad(reader, products);
  let run = 0;
  try {
    const report = await crashEveryPoint({
      client,
      configPath: crashConfig(prefix),
      reset: async () => void (await redis.flushall()),
      start: () =>
        client.workflow.start(incident, {
          taskQueue: prefix,
          workflowId: `${prefix}-${run}`,
          args: [
            {
              runbook: 'cache-warmup',
              severity: 'warning',
              params: { redis: `${prefix}-${run++}`, source: source.url, hotKeys: products, sample: '500ms', stabilize: '1s', verifyWithin: '30s' },
            },
          ],
        }),
      count: async () => ({
        ...(await commandCalls('set')),
        sourceRequests: source.requests(),
        warmed: await redis.exists(...Array.from({ length: products }, (_, i) => productKey(i))),
      }),
    });
    expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { set: products, sourceRequests: 1 } });
    expectLikeClean(report);
  } finally {
    await load.stop();
    reader.disconnect();
    await source.close();
  }
}, 600_000);

/** Starts memory relief on a fresh target each run, on a Redis just filled near its maxmemory. */
async function crashMemoryRelief(prefix: string, params: Record<string, unknown>, points?: (p: CrashPoint) => boolean): Promise<CrashReport> {
  let run = 0;
  let initial = 0;
  const sessions = () => redis.exists(...Array.from({ length: 20 }, (_, i) => `session:${i}`));
  const maxmemory = async () => Number((await redis.config('GET', 'maxmemory'))[1]);
  return crashEveryPoint({
    client,
    configPath: crashConfig(prefix),
    points,
    reset: async () => {
      await fillNearMaxmemory(redis);
      initial = await maxmemory();
    },
    start: () =>
      client.workflow.start(incident, {
        taskQueue: prefix,
        workflowId: `${prefix}-${run}`,
        args: [{ runbook: 'redis-memory-relief', severity: 'warning', params: { redis: `${prefix}-${run++}`, pattern: 'session:*', stabilize: '1s', ...params } }],
      }),
    count: async () => ({
      ...(await commandCalls('config|set', 'del', 'restore')),
      sessionsLeft: await sessions(),
      maxmemoryAsFilled: Number((await maxmemory()) === initial),
    }),
  });
}

test('redis-memory-relief: killed at every activity, it deletes and raises maxmemory once, and recovers', async () => {
  // The incident's own points are tried in the cases before and after this one.
  const report = await crashMemoryRelief(`crash-relief-${Date.now()}`, { maxmemoryBytes: 100_000_000, verifyWithin: '20s' }, (p) => p.workflowType !== 'incident');
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { 'config|set': 1, del: 20, restore: 0, sessionsLeft: -20, maxmemoryAsFilled: -1 } });
  expectLikeClean(report);
}, 600_000);

test('redis-memory-relief undone: killed at every activity and every undo, the keys and maxmemory come back once', async () => {
  // Memory cannot fall below 1% of maxmemory: verification fails, both steps are undone, and the heavier rung
  // (redis-flush-cache, destructive without undo) is refused by the default policy.
  const report = await crashMemoryRelief(`crash-undo-${Date.now()}`, { maxmemoryBytes: 100_000_000, below: 0.01, verifyWithin: '2s' });
  expect(report.clean).toMatchObject({
    outcome: { status: 'escalated', attempts: ['redis-memory-relief: failed', 'redis-flush-cache: refused'] },
    effects: { 'config|set': 2, del: 20, restore: 20, sessionsLeft: 0, maxmemoryAsFilled: 0 },
  });
  expectLikeClean(report);
}, 600_000);

test('kill -9 during the stabilization timer: the run was open, and a second worker ends it with the step done once', async () => {
  const products = 100;
  const taskQueue = `crash-timer-${Date.now()}`;
  const configPath = processConfigFile(testConfig(server.url, {}, taskQueue), taskQueue);
  const source = await startSourceOfTruth(products);
  const reader = redisClient(server.url);
  const load = startReadLoad(reader, products);
  const workers: WorkerProcess[] = [];
  try {
    workers.push(await startWorkerProcess(configPath));
    await redis.flushall();
    await redis.config('RESETSTAT');
    const handle = await client.workflow.start(incident, {
      taskQueue,
      workflowId: taskQueue,
      args: [
        {
          runbook: 'cache-warmup',
          severity: 'warning',
          params: { redis: `${taskQueue}-0`, source: source.url, hotKeys: products, sample: '1s', stabilize: '3s', verifyWithin: '30s' },
        },
      ],
    });
    await waitFor(async () => (await runbookView(client, handle)).waitingFor === 'stabilization for 3s', 'the step to finish');
    expect((await commandCalls('set')).set).toBe(products);
    await workers[0].stop('SIGKILL');
    expect(workers[0].process.signalCode).toBe('SIGKILL');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    workers.push(await startWorkerProcess(configPath));
    const record = await handle.result();
    expect(record.status).toBe('recovered');
    expect((await commandCalls('set')).set).toBe(products);
    expect(source.requests()).toBe(1);
    expect(await redis.exists(productKey(products - 1))).toBe(1);
    // The runbook's last workflow task was completed by the second worker.
    const history = await client.workflow.getHandle(`${taskQueue}/cache-warmup`).fetchHistory();
    const completed = history.events!.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1)!;
    expect(completed.workflowTaskCompletedEventAttributes!.identity).toBe(`${workers[1].process.pid}@${hostname()}`);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await load.stop();
    reader.disconnect();
    await source.close();
  }
});
