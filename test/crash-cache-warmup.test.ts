// kill -9 on cache-warmup. The crash harness: every activity of a clean run is a point where the worker dies (after
// the activity acted) and so is each kind of timer it waited on; a fresh worker finishes, and each run ends as the
// clean one did, with the same SET calls counted by Redis itself. And a kill during the stabilization timer: the run
// was still open, and the second worker ended it.
import { hostname } from 'node:os';
import { incident } from '../workflows/incident';
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { crashEveryPoint } from './helpers/crash-harness';
import { commandCalls, crashConfig, expectLikeClean, useCrashRedis } from './helpers/crash-redis';
import { runbookView } from './helpers/incident';
import { redisClient, testConfig } from './helpers/mend';
import { waitFor } from './helpers/wait';
import { processConfigFile, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const t = useCrashRedis();

test('cache-warmup: killed at every activity, it still warms each key once and recovers', async () => {
  const products = 50;
  const prefix = `crash-warm-${Date.now()}`;
  const source = await startSourceOfTruth(products);
  const reader = redisClient(t.server.url);
  const load = startReadLoad(reader, products);
  let run = 0;
  try {
    const report = await crashEveryPoint({
      client: t.client,
      configPath: crashConfig(t.server.url, prefix),
      reset: async () => void (await t.redis.flushall()),
      start: () =>
        t.client.workflow.start(incident, {
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
        ...(await commandCalls(t.redis, 'set')),
        warmed: await t.redis.exists(...Array.from({ length: products }, (_, i) => productKey(i))),
      }),
    });
    expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { set: products, warmed: products } });
    expectLikeClean(report);
  } finally {
    await load.stop();
    reader.disconnect();
    await source.close();
  }
}, 600_000);

test('kill -9 during the stabilization timer: the run was open, and a second worker ends it with the step done once', async () => {
  const products = 100;
  const taskQueue = `crash-timer-${Date.now()}`;
  const configPath = processConfigFile(testConfig(t.server.url, {}, taskQueue), taskQueue);
  const source = await startSourceOfTruth(products);
  const reader = redisClient(t.server.url);
  const load = startReadLoad(reader, products);
  const workers: WorkerProcess[] = [];
  try {
    workers.push(await startWorkerProcess(configPath));
    await t.redis.flushall();
    await t.redis.config('RESETSTAT');
    const handle = await t.client.workflow.start(incident, {
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
    await waitFor(async () => (await runbookView(t.client, handle)).waitingFor === 'stabilization for 3s', 'the step to finish');
    expect((await commandCalls(t.redis, 'set')).set).toBe(products);
    await workers[0].stop('SIGKILL');
    expect(workers[0].process.signalCode).toBe('SIGKILL');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    workers.push(await startWorkerProcess(configPath));
    const record = await handle.result();
    expect(record.status).toBe('recovered');
    expect((await commandCalls(t.redis, 'set')).set).toBe(products);
    expect(source.requests()).toBe(1);
    expect(await t.redis.exists(productKey(products - 1))).toBe(1);
    // The runbook's last workflow task was completed by the second worker.
    const history = await t.client.workflow.getHandle(`${taskQueue}/cache-warmup`).fetchHistory();
    const completed = history.events!.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1)!;
    expect(completed.workflowTaskCompletedEventAttributes!.identity).toBe(`${workers[1].process.pid}@${hostname()}`);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await load.stop();
    reader.disconnect();
    await source.close();
  }
});
