// Worker memory with 1,000 incidents parked on approval (each with its runbook workflow and target guard).
// The worker is its own process, so its RSS is read from /proc. `npm run bench:memory` (BENCH_PARKED, BENCH_CACHE to change).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { incident } from '../workflows/incident';
import { fillNearMaxmemory, redisClient, testConfig } from '../test/helpers/mend';
import { startDevServer, startRedis } from '../test/helpers/processes';
import { startWorkerProcess, writeConfig } from '../test/helpers/worker-process';

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function main(): Promise<void> {
  const parked = Number(process.env.BENCH_PARKED ?? 1000);
  const temporal = await startDevServer();
  const redis = await startRedis();
  const taskQueue = `parked-${Date.now()}`;
  const config = testConfig(redis.url, {}, taskQueue, true, parked);
  if (process.env.BENCH_CACHE) config.worker.maxCachedWorkflows = Number(process.env.BENCH_CACHE);
  Object.assign(config.temporal, { address: temporal.address, taskQueue });
  const worker = await startWorkerProcess(writeConfig(config, mkdtempSync(join(tmpdir(), 'mend-bench-')), 'mend'));
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    const pid = worker.process.pid!;
    console.log(`worker RSS idle: ${rssMiB(pid).toFixed(0)} MiB`);
    const r = redisClient(redis.url);
    await fillNearMaxmemory(r);
    r.disconnect();
    const ids = Array.from({ length: parked }, (_, i) => `parked-${i}`);
    const started = Date.now();
    await inBatches(ids, 50, (id) =>
      client.workflow.start(incident, {
        taskQueue,
        workflowId: `${taskQueue}-${id}`,
        args: [{ runbook: 'redis-memory-relief', severity: 'critical', params: { redis: `${taskQueue}-${id.split('-')[1]}`, pattern: 'session:*' } }],
      }),
    );
    // Parked = its runbook workflow is tagged awaiting-approval (counted by visibility, not by waking it).
    const query = `ExecutionStatus = 'Running' AND MendStatus = 'awaiting-approval' AND MendTarget STARTS_WITH 'redis/${taskQueue}-'`;
    for (;;) {
      const { count } = await client.workflow.count(query);
      process.stderr.write(`  parked ${count}/${parked}\n`);
      if (count >= parked) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    console.log(`${parked} incidents parked on approval after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`worker RSS with ${parked} parked: ${rssMiB(pid).toFixed(0)} MiB`);
    const metricsUrl = JSON.parse(
      worker
        .output()
        .split('\n')
        .find((l) => l.includes('"mend worker ready"'))!,
    ).metrics as string;
    const metrics = await (await fetch(metricsUrl)).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
    console.log(
      `worker V8 heap used ${gauge('nodejs_heap_size_used_bytes').toFixed(0)} MiB of ${gauge('nodejs_heap_size_total_bytes').toFixed(0)} MiB; external ${gauge('nodejs_external_memory_bytes').toFixed(0)} MiB`,
    );
  } finally {
    await worker.stop();
    await connection.close();
    await redis.stop();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
