// kill -9 of the worker after a step and before verification: a new worker finishes the incident, and the
// step's side effect happened exactly once (Redis's own command counters say so).
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { incident } from '../workflows/incident';
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { runbookView } from './helpers/incident';
import { redisClient, testConfig } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';
import { processConfigFile, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const products = 100;
let server: RedisServer;
let redis: Redis;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
  client = new Client({ connection });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await connection?.close();
  redis?.disconnect();
  await server?.stop();
});

const setCalls = async () => Number(/cmdstat_set:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

test('kill -9 between step and verification: a new worker completes it and the step ran once', async () => {
  const taskQueue = `crash-${Date.now()}`;
  const config = testConfig(server.url, {}, taskQueue);
  const configPath = processConfigFile(config, taskQueue);
  const source = await startSourceOfTruth(products);
  const reader = redisClient(server.url);
  const load = startReadLoad(reader, products);
  try {
    workers.push(await startWorkerProcess(configPath));
    await redis.flushall();
    await redis.config('RESETSTAT');

    const handle = await client.workflow.start(incident, {
      taskQueue,
      workflowId: `crash-${Date.now()}`,
      args: [
        {
          runbook: 'cache-warmup',
          severity: 'warning',
          params: { redis: `${taskQueue}-0`, source: source.url, hotKeys: products, sample: '1s', stabilize: '3s', verifyWithin: '30s' },
        },
      ],
    });
    await waitFor(async () => (await runbookView(client, handle)).waitingFor === 'stabilization for 3s', 'the step to finish');
    expect(await setCalls()).toBe(products);
    await workers[0].stop('SIGKILL');
    expect(workers[0].process.signalCode).toBe('SIGKILL');

    workers.push(await startWorkerProcess(configPath));
    const record = await handle.result();
    expect(record.status).toBe('recovered');
    expect(await setCalls()).toBe(products);
    expect(source.requests()).toBe(1);
    expect(await redis.exists(productKey(products - 1))).toBe(1);
  } finally {
    await load.stop();
    reader.disconnect();
    await source.close();
  }
});
