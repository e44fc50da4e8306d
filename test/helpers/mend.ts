// A mend worker on a private task queue, against the shared dev server or a time-skipping environment.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { Redis } from 'ioredis';
import { parseConfig } from '../../config/load';
import { notificationsSchema } from '../../config/notifications-schema';
import type { MendConfig } from '../../config/schema';
import type { MysqlConfig } from '../../runbooks/mysql/config';
import type { RedisConfig } from '../../runbooks/redis/config';
import type { IncidentInput, RecoveryRecord } from '../../common/types';
import { MendMetrics } from '../../workers/metrics';
import { createMendWorker } from '../../workers/worker';
import { incident } from '../../workflows/incident';
import type { FaultPlan } from './faults';
import { startRedis, type RedisServer } from './processes';
import { timeSkippingEnv } from '../../common/time-skipping';

export interface Mend {
  client: Client;
  config: MendConfig;
  taskQueue: string;
  metrics: MendMetrics;
  /** A Redis instance name no other test uses (same server): each has its own guard, budget and cooldown. */
  redisName(): string;
  /** Starts an incident the way the CLI does and returns its handle. */
  start(input: IncidentInput, id?: string): ReturnType<Client['workflow']['start']>;
  run(input: IncidentInput, id?: string): Promise<RecoveryRecord>;
  stop(): Promise<void>;
}

export function testConfig(redisUrl: string | undefined, policy: Record<string, unknown> = {}, prefix = 'r', searchAttributes = true, names = 40): MendConfig {
  const dir = process.env.MEND_TEST_DIR ?? tmpdir();
  return parseConfig(
    {
      temporal: { searchAttributes },
      redis: redisUrl ? Object.fromEntries(Array.from({ length: names }, (_, i) => [`${prefix}-${i}`, { url: redisUrl }])) : {},
      snapshots: { dir: join(dir, 'snapshots') },
      policy: { approval: { approvers: ['alice', 'bob', 'carol'] }, ...policy },
    },
    'test',
    {},
  );
}

export async function startMend(options: {
  redisUrl?: string;
  /** The worker's credentials for the Kubernetes cluster named "default". */
  kubeconfig?: string;
  mysql?: MysqlConfig;
  faults?: FaultPlan;
  policy?: Record<string, unknown>;
  env?: TestWorkflowEnvironment;
  /** A dev server other than the shared one. */
  address?: string;
  /** How many Redis instance names (targets) to configure; redisName() cycles through them. */
  targets?: number;
  /** Start incidents eagerly: the client shares the worker's connection, as a co-located starter would. */
  eagerStart?: boolean;
  maxCachedWorkflows?: number;
  /** The `notifications` section of the config (sinks' env vars are read from process.env). */
  notifications?: Record<string, unknown>;
  /** More config: `packs` (the worker then bundles them, cached) and packs' sections. */
  config?: Record<string, unknown>;
}): Promise<Mend> {
  const taskQueue = `test-${randomUUID()}`;
  const prefix = taskQueue.slice(5, 13);
  const targets = options.targets ?? 40;
  const base = testConfig(options.redisUrl, options.policy, prefix, !options.env, targets);
  const config = options.config ? parseConfig({ ...base, ...options.config }, 'test', {}) : base;
  config.temporal.taskQueue = taskQueue;
  if (options.kubeconfig) config.kubernetes = { default: { kubeconfig: options.kubeconfig } };
  if (options.mysql) config.mysql = options.mysql;
  if (options.maxCachedWorkflows !== undefined) config.worker.maxCachedWorkflows = options.maxCachedWorkflows;
  if (options.notifications) config.notifications = notificationsSchema.parse(options.notifications);
  if (!options.env) config.temporal.address = options.address ?? process.env.MEND_TEST_TEMPORAL!;
  // The time-skipping server's clock runs ahead of the gateway's (years, after long timers): there, no attestation
  // is too old.
  else config.approvals.maxAge = '36500d';
  let nextName = 0;
  let client: Client;
  let connection: NativeConnection;
  let owned: (() => Promise<void>) | undefined;
  if (options.env) {
    client = options.env.client;
    connection = options.env.nativeConnection;
  } else {
    const { address } = config.temporal;
    const clientConnection = await Connection.connect({ address });
    connection = await NativeConnection.connect({ address });
    client = new Client({ connection: options.eagerStart ? connection : clientConnection, namespace: 'default' });
    owned = async () => {
      await connection.close();
      await clientConnection.close();
    };
  }
  const metrics = new MendMetrics();
  const { worker, run } = await createMendWorker({
    config,
    connection,
    client,
    metrics,
    taskQueue,
    workflowBundlePath: options.config?.packs ? undefined : process.env.MEND_TEST_BUNDLE,
    interceptors: options.faults ? { activity: [options.faults.interceptor] } : undefined,
  });
  const running = run();
  const start = (input: IncidentInput, id = `incident-${randomUUID()}`) =>
    client.workflow.start(incident, { taskQueue, workflowId: id, args: [input], requestEagerStart: options.eagerStart });
  return {
    client,
    config,
    taskQueue,
    metrics,
    redisName: () => `${prefix}-${nextName++ % targets}`,
    start,
    run: async (input, id) => (await start(input, id)).result(),
    stop: async () => {
      worker.shutdown();
      await running;
      await owned?.();
    },
  };
}

/** The redis pack's section of a config, typed. */
export const redisTargets = (config: MendConfig): RedisConfig => config.redis as RedisConfig;

export function redisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Every key's serialized value and whether it expires, plus maxmemory: equal states compare equal. */
export async function redisState(redis: Redis): Promise<{ maxmemory: string; keys: [string, string, boolean][] }> {
  const keys = (await redis.keys('*')).sort();
  const entries: [string, string, boolean][] = [];
  for (const key of keys) {
    const dump = await redis.dumpBuffer(key);
    entries.push([key, dump ? dump.toString('base64') : '', (await redis.pttl(key)) > 0]);
  }
  const [, maxmemory] = (await redis.config('GET', 'maxmemory')) as [string, string];
  return { maxmemory, keys: entries };
}

/** 20 keys session:0..19 of 50 kB, and maxmemory 5% above what Redis then uses: relief is needed and possible. */
export async function fillNearMaxmemory(redis: Redis): Promise<void> {
  await redis.flushall();
  await redis.config('SET', 'maxmemory', '0');
  const pipeline = redis.pipeline();
  for (let i = 0; i < 20; i++) pipeline.set(`session:${i}`, 'x'.repeat(50_000));
  const results = (await pipeline.exec()) ?? [];
  if (results.some(([err]) => err)) throw new Error('seeding Redis failed');
  const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  await redis.config('SET', 'maxmemory', String(Math.floor(used * 1.05)));
}

export interface MendFixture {
  server: RedisServer;
  redis: Redis;
  mend: Mend;
  env?: TestWorkflowEnvironment;
}

/** Per test file: a private Redis, an admin client for assertions, and a worker (on time-skipping if asked). */
export function useMendWithRedis(options: { timeSkipping?: boolean; policy?: Record<string, unknown>; config?: Record<string, unknown> } = {}): MendFixture {
  const fixture = {} as MendFixture;
  beforeAll(async () => {
    [fixture.server, fixture.env] = await Promise.all([startRedis(), options.timeSkipping ? timeSkippingEnv() : undefined]);
    fixture.redis = redisClient(fixture.server.url);
    fixture.mend = await startMend({ redisUrl: fixture.server.url, env: fixture.env, policy: options.policy, config: options.config });
  });
  afterAll(async () => {
    await fixture.mend?.stop();
    fixture.redis?.disconnect();
    await Promise.all([fixture.env?.teardown(), fixture.server?.stop()]);
  });
  return fixture;
}
