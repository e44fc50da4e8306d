// Time from an incident's start call to its first activity starting, on the local dev server, two ways:
// a starter in another process (its own gRPC connection, like the CLI), and a starter sharing the worker's
// connection, which lets the server hand the first workflow task straight back (eager start).
// `npm run bench:latency` (BENCH_INCIDENTS, default 200, per mode; BENCH_CACHE for worker.maxCachedWorkflows).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startMend } from '../test/helpers/mend';
import { startDevServer, startRedis } from '../test/helpers/processes';
import { summary } from './stats';

const warmup = 10;

async function measure(redisUrl: string, incidents: number, eagerStart: boolean): Promise<number[]> {
  const cache = process.env.BENCH_CACHE ? Number(process.env.BENCH_CACHE) : undefined;
  const mend = await startMend({ redisUrl, targets: incidents + warmup, eagerStart, maxCachedWorkflows: cache });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < incidents + warmup; i++) {
      const startedAt = Date.now();
      const handle = await mend.start({ runbook: 'redis-memory-relief', severity: 'warning', params: { redis: mend.redisName(), pattern: 'session:*' } });
      await handle.result();
      const history = await handle.fetchHistory();
      const first = history.events!.find((e) => e.activityTaskStartedEventAttributes)!;
      const at = Number(first.eventTime!.seconds) * 1000 + Math.floor((first.eventTime!.nanos ?? 0) / 1e6);
      if (i >= warmup) latencies.push(at - startedAt);
    }
  } finally {
    await mend.stop();
  }
  return latencies;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const incidents = Number(process.env.BENCH_INCIDENTS ?? 200);
  const temporal = await startDevServer();
  process.env.MEND_TEST_TEMPORAL = temporal.address;
  const redis = await startRedis();
  try {
    console.log(`starter in another process: ${summary(await measure(redis.url, incidents, false))}`);
    console.log(`eager start (shared connection): ${summary(await measure(redis.url, incidents, true))}`);
  } finally {
    await redis.stop();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
