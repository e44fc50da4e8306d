// The gateway under load, each part its own process (Temporal, worker, gateway, this driver), on one machine.
//   latency: alerts at a steady rate (BENCH_RATE/s, default 50; BENCH_ALERTS, default 250), each a new incident;
//            alert sent → the first action on the target: the runbook's first activity started, from its history.
//   storm:   BENCH_STORM alerts (default 10,000) over BENCH_TARGETS targets (default 1,000), BENCH_BATCH alerts
//            of one target per request (default 1; Alertmanager sends a group's alerts together), BENCH_CONCURRENCY
//            requests at a time (default 32); throughput, response times, and a count of what Temporal recorded:
//            exactly one incident per target, every alert in one.
// `npm run bench:gateway -- latency|storm` (both when none is given). BENCH_CACHE sets worker.maxCachedWorkflows;
// BENCH_TEMPORAL=cluster runs it on a real Temporal cluster.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { testConfig } from '../test/helpers/mend';
import { freePort, startRedis } from '../test/helpers/processes';
import { benchTemporal } from './temporal';
import { startGatewayProcess, startWorkerProcess, writeConfig } from '../test/helpers/worker-process';
import { eventMs, summary } from './stats';

const token = 'bench-token';

interface Stack {
  client: Client;
  taskQueue: string;
  gateway: string;
  redisName: (i: number) => string;
  stop(): Promise<void>;
}

async function startStack(targets: number): Promise<Stack> {
  const temporal = await benchTemporal();
  const redis = await startRedis();
  const taskQueue = `bench-${Date.now()}`;
  const prefix = 'b';
  const config = testConfig(redis.url, {}, prefix, true, targets);
  if (process.env.BENCH_CACHE) config.worker.maxCachedWorkflows = Number(process.env.BENCH_CACHE);
  const port = await freePort();
  Object.assign(config.temporal, { address: temporal.address, taskQueue });
  Object.assign(config, {
    gateway: {
      ...config.gateway,
      port,
      sources: { generic: { tokenEnv: 'MEND_BENCH_TOKEN' } },
      // maxmemory is unlimited, so each incident diagnoses, takes its guard and finds nothing to do.
      routes: [{ matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 'session:*' } }],
    },
  });
  const file = writeConfig(config, mkdtempSync(join(tmpdir(), 'mend-bench-')), 'mend');
  const worker = await startWorkerProcess(file);
  const gateway = await startGatewayProcess(file, { MEND_BENCH_TOKEN: token, MEND_LOG_LEVEL: process.env.MEND_LOG_LEVEL ?? 'INFO' });
  const connection = await Connection.connect({ address: temporal.address });
  return {
    client: new Client({ connection }),
    taskQueue,
    gateway: `http://127.0.0.1:${port}/alerts`,
    redisName: (i) => `${prefix}-${i}`,
    async stop() {
      await connection.close();
      await gateway.stop();
      await worker.stop();
      await redis.stop();
      await temporal.stop();
    },
  };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function latency(): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 50);
  const alerts = Number(process.env.BENCH_ALERTS ?? 250);
  const warmup = 20;
  const stack = await startStack(alerts + warmup);
  try {
    const sent: { id: Promise<string>; at: number }[] = [];
    const begin = Date.now();
    for (let i = 0; i < alerts + warmup; i++) {
      const due = begin + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const at = Date.now();
      const body = { labels: { alertname: 'RedisMemoryHigh', redis: stack.redisName(i) } };
      sent.push({ at, id: post(stack.gateway, body).then((r) => r.json.incidents[0].incidentId) });
    }
    const latencies: number[] = [];
    for (const [i, { id, at }] of sent.entries()) {
      const handle = stack.client.workflow.getHandle(`${await id}/redis-memory-relief`);
      let started: number | undefined;
      const giveUp = Date.now() + 300_000;
      while (started === undefined) {
        if (Date.now() > giveUp) throw new Error(`${await id}: its runbook took no action within 5 minutes`);
        const events = (await handle.fetchHistory().catch(() => undefined))?.events ?? []; // none before the runbook starts
        const first = events.find((e) => e.activityTaskStartedEventAttributes);
        if (first) started = eventMs(first.eventTime!);
        else await new Promise((r) => setTimeout(r, 100));
      }
      if (i >= warmup) latencies.push(started - at);
    }
    console.log(`alert → first action at ${rate} alerts/s: ${summary(latencies)}`);
  } finally {
    await stack.stop();
  }
}

async function storm(): Promise<void> {
  const total = Number(process.env.BENCH_STORM ?? 10_000);
  const targets = Number(process.env.BENCH_TARGETS ?? 1000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
  const batch = Number(process.env.BENCH_BATCH ?? 1);
  const stack = await startStack(targets);
  try {
    // Alert i is shard i of target i mod targets: every target gets total/targets distinct alerts.
    const alerts = Array.from({ length: total }, (_, i) => ({
      labels: { alertname: 'RedisMemoryHigh', redis: stack.redisName(i % targets), shard: String(i) },
    }));
    // Requests go round the targets, each carrying its target's next `batch` alerts.
    const perTarget = Array.from({ length: targets }, (_, t) => alerts.filter((_, i) => i % targets === t));
    const bodies: { alerts: typeof alerts }[] = [];
    for (let from = 0; from < perTarget[0].length; from += batch) {
      for (const list of perTarget) if (from < list.length) bodies.push({ alerts: list.slice(from, from + batch) });
    }
    const times: number[] = [];
    const failures = new Map<number, number>();
    const answered = new Set<string>();
    let next = 0;
    const begin = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const at = performance.now();
          const { status, json } = await post(stack.gateway, body);
          times.push(performance.now() - at);
          for (const incident of json.incidents ?? []) answered.add(incident.incidentId);
          if (status !== 202) failures.set(status, (failures.get(status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - begin) / 1000;
    console.log(`storm: ${total} alerts over ${targets} targets, ${batch} per request, in ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)} alerts/s`);
    console.log(`gateway response time: ${summary(times)}; non-202 answers: ${JSON.stringify(Object.fromEntries(failures))}`);

    // What Temporal recorded, read from histories (no worker involved): the alerts in each incident's signals.
    let recorded = 0;
    for (const id of answered) {
      const { events } = await stack.client.workflow.getHandle(id).fetchHistory();
      for (const e of events!) {
        const signal = e.workflowExecutionSignaledEventAttributes;
        if (signal?.signalName !== 'alert') continue;
        recorded += JSON.parse(Buffer.from(signal.input!.payloads![0].data!).toString()).alerts.length;
      }
    }
    // Every incident run, once visibility has caught up (its count stops changing).
    const query = `TaskQueue = '${stack.taskQueue}' AND WorkflowType = 'incident'`;
    let runs = -1;
    for (let seen = (await stack.client.workflow.count(query)).count; seen !== runs; ) {
      runs = seen;
      await new Promise((r) => setTimeout(r, 2000));
      seen = (await stack.client.workflow.count(query)).count;
    }
    console.log(`incidents: ${answered.size} ids answered, ${runs} runs (expected ${targets}); alerts recorded: ${recorded} of ${total}, lost: ${total - recorded}`);
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const modes = process.argv.slice(2);
  if (!modes.length || modes.includes('latency')) await latency();
  if (!modes.length || modes.includes('storm')) await storm();
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
