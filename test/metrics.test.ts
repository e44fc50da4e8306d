// The worker process serves Prometheus metrics for attempts, durations, MTTR and its phases.
import { decideAs } from './helpers/approvals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { MendMetrics } from '../workers/metrics';
import { incident } from '../workflows/incident';
import { awaitApproval } from './helpers/incident';
import { waitFor } from './helpers/wait';
import { fillNearMaxmemory, redisClient, testConfig } from './helpers/mend';
import { scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { metricsUrl, processConfigFile, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let server: RedisServer;
let redis: Redis;
let connection: Connection;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
});
afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  redis?.disconnect();
  await server?.stop();
});

test('a recovery shows up in /metrics with its MTTR and phases', async () => {
  const taskQueue = `metrics-${Date.now()}`;
  worker = await startWorkerProcess(processConfigFile(testConfig(server.url, {}, taskQueue), taskQueue));
  const url = metricsUrl(worker);

  await fillNearMaxmemory(redis);
  const faultStartedAt = new Date(Date.now() - 60_000).toISOString();
  const client = new Client({ connection });
  const record = await client.workflow.execute(incident, {
    taskQueue,
    workflowId: `metrics-${Date.now()}`,
    args: [{ runbook: 'redis-memory-relief', severity: 'warning', faultStartedAt, params: { redis: `${taskQueue}-0`, pattern: 'session:*', stabilize: '100ms' } }],
  });
  expect(record.status).toBe('recovered');
  expect(record.mttrSeconds).toBeGreaterThanOrEqual(60);
  expect(record.phases!.detection).toBeGreaterThanOrEqual(60);

  const text = await (await fetch(url)).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
  const rb = 'runbook="redis-memory-relief"';
  expect(value(`recovery_attempts_total{${rb},status="verified"}`)).toBe(1);
  expect(value(`recovery_duration_seconds_count{${rb}}`)).toBe(1);
  expect(value(`mttr_seconds_count{${rb}}`)).toBe(1);
  expect(value(`mttr_seconds_sum{${rb}}`)).toBeCloseTo(record.mttrSeconds!, 1);
  for (const phase of ['detection', 'diagnosis', 'fix', 'verification']) {
    expect(value(`mttr_phase_seconds_count{${rb},phase="${phase}"}`)).toBe(1);
  }
  expect(text).toContain('process_resident_memory_bytes');
});

test('runbooks waiting for approval are counted from Temporal visibility, and the count drops once approved', async () => {
  const taskQueue = `approvals-${Date.now()}`;
  const config = testConfig(server.url, {}, taskQueue);
  config.metrics.approvalsEvery = '200ms';
  const counting = await startWorkerProcess(processConfigFile(config, taskQueue));
  try {
    const url = metricsUrl(counting);
    const waiting = async () => Number(/^mend_approvals_waiting (\S+)$/m.exec(await (await fetch(url)).text())?.[1]);
    await fillNearMaxmemory(redis);
    const client = new Client({ connection });
    const handle = await client.workflow.start(incident, {
      taskQueue,
      workflowId: `approvals-${Date.now()}`,
      args: [{ runbook: 'redis-memory-relief', severity: 'critical', params: { redis: `${taskQueue}-0`, pattern: 'session:*', stabilize: '100ms' } }],
    });
    await awaitApproval(client, handle);
    await waitFor(async () => (await waiting()) === 1, 'the gauge to count the approval');
    await decideAs(handle, 'alice');
    expect((await handle.result()).status).toBe('recovered');
    await waitFor(async () => (await waiting()) === 0, 'the gauge to drop');
  } finally {
    await counting.stop();
  }
});

test('a bad config stops the worker at start with the path of the bad field', async () => {
  const path = join(scratchDir('badconfig-'), 'bad.yaml');
  writeFileSync(path, 'policy:\n  attempts: { max: 0 }\n  cooldown: soon\nredis:\n  default: { url: "http://x" }\n');
  await expect(startWorkerProcess(path)).rejects.toThrow(
    /workers\/main.js exited 1:[\s\S]*policy\.attempts\.max: [\s\S]*policy\.cooldown: expected a duration[\s\S]*redis\.default\.url: expected redis:\/\//,
  );
});

test('a metric whose collection throws answers 500, and /metrics keeps serving', async () => {
  const metrics = new MendMetrics();
  let broken = true;
  new Gauge({
    name: 'mend_test_flaky',
    help: 'throws while broken',
    registers: [metrics.registry],
    collect() {
      if (broken) throw new Error('collector down');
    },
  });
  const { server, port } = await metrics.serve('127.0.0.1', 0);
  try {
    const failed = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect([failed.status, await failed.text()]).toEqual([500, 'metrics failed: collector down\n']);
    broken = false;
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('mend_test_flaky');
  } finally {
    server.close();
  }
});
