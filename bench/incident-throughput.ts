// New incidents per second against the raw ceiling, in the same run: one dev server, this process's workers with
// mend's default settings, and its driver. Ceiling: a workflow with one empty activity. mend: an incident on a new
// target each time (redis-memory-relief on a Redis without maxmemory: it diagnoses, takes its guard, runs the
// runbook, which finds nothing to do). Each round runs BENCH_N (default 200) of each with BENCH_INFLIGHT (default
// 50) open at a time, after a warm-up; BENCH_ROUNDS rounds (default 3). It also prints what one incident costs:
// workflow tasks, activities and local activities per workflow, read from the histories. BENCH_CACHE sets
// worker.maxCachedWorkflows for both workers; BENCH_TEMPORAL=cluster runs it on a real Temporal cluster.
// `npm run bench:throughput`.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { guardWorkflowId } from '../workflows/definitions';
import { startMend } from '../test/helpers/mend';
import { startRedis } from '../test/helpers/processes';
import { benchTemporal } from './temporal';

const n = Number(process.env.BENCH_N ?? 200);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmup = 20;

/** Completions per second of `count` workflows started by `start`, `inflight` at a time. */
async function throughput(count: number, start: (i: number) => Promise<WorkflowHandle>): Promise<number> {
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) {
        const handle = await start(next++);
        await handle.result();
      }
    }),
  );
  return count / ((performance.now() - begin) / 1000);
}

/** Workflow tasks, activities and local activities in one workflow's history. */
async function cost(client: Client, workflowId: string): Promise<{ tasks: number; activities: number; local: number; children: string[] }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return {
    tasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    local: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    children: events.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []),
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporal = await benchTemporal();
  process.env.MEND_TEST_TEMPORAL = temporal.address;
  const redis = await startRedis();
  const targets = warmup + rounds * n + 1; // the last incident, whose cost is read, has a target of its own
  const cache = process.env.BENCH_CACHE ? Number(process.env.BENCH_CACHE) : undefined;
  const mend = await startMend({ redisUrl: redis.url, targets, maxCachedWorkflows: cache });
  const ceilingQueue = `${mend.taskQueue}-ceiling`;
  const ceiling = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    taskQueue: ceilingQueue,
    workflowsPath: require.resolve('./ceiling-workflow'),
    activities: { touch: async () => 'ok' },
    maxCachedWorkflows: mend.config.worker.maxCachedWorkflows,
  });
  const ceilingRun = ceiling.run();
  let id = 0;
  const incident = () => mend.start({ runbook: 'redis-memory-relief', severity: 'warning', params: { redis: mend.redisName(), pattern: 'session:*' } }) as Promise<WorkflowHandle>;
  const oneActivity = () => mend.client.workflow.start('oneActivity', { taskQueue: ceilingQueue, workflowId: `ceiling-${id++}` });
  try {
    await throughput(warmup, incident);
    await throughput(warmup, oneActivity);
    const ratios: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const raw = await throughput(n, oneActivity);
      const ours = await throughput(n, incident);
      ratios.push(ours / raw);
      console.log(`round ${r}: ceiling ${raw.toFixed(1)}/s, mend ${ours.toFixed(1)} new incidents/s = ${((100 * ours) / raw).toFixed(0)}% of the ceiling`);
    }
    console.log(`mend / ceiling over ${rounds} rounds: min ${(100 * Math.min(...ratios)).toFixed(0)}%, max ${(100 * Math.max(...ratios)).toFixed(0)}%`);
    const handle = await incident();
    const record = (await handle.result()) as { target: string };
    const parts = await cost(mend.client, handle.workflowId);
    const rows = [
      ['incident', parts],
      ...(await Promise.all(parts.children.map(async (c) => [c, await cost(mend.client, c)] as const))),
      ['guard', await cost(mend.client, guardWorkflowId(record.target))],
    ] as const;
    for (const [name, c] of rows) console.log(`${name}: ${c.tasks} workflow tasks, ${c.activities} activities, ${c.local} local activities`);
    const sum = (k: 'tasks' | 'activities' | 'local') => rows.reduce((s, [, c]) => s + c[k], 0);
    console.log(`one incident: ${sum('tasks')} workflow tasks, ${sum('activities')} activities, ${sum('local')} local activities (the guard's so far)`);
  } finally {
    ceiling.shutdown();
    await ceilingRun;
    await mend.stop();
    await redis.stop();
    await temporal.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
