// `mend/testing`: a pack's own jest tests run its runbooks as mend does, through an incident, on Temporal's
// time-skipping server with a real worker (mend's built-in packs and this one), provisioned by mend's scripts.
// The first run of each runbook records its history into the pack's test/histories/ for `mend replay`. Its crash
// tests (`mend test --crash`) use the crash harness: usePackCrashTest and crashEveryPoint.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from '../common/time-skipping';
import type { IncidentInput, RecoveryRecord, Severity } from '../common/types';
import { parseConfig } from '../config/load';
import type { MendConfig } from '../config/schema';
import { readManifest } from '../packs/manifest';
import { catalogEntries } from '../workflows/catalog';
import { MendMetrics } from '../workers/metrics';
import { createMendWorker } from '../workers/worker';
import type { PackTestOptions } from './pack-test-options';

export { freePort } from '../common/processes';
export { waitFor } from '../common/wait-for';
export * from './crash-harness';
export { type PackCrashCase, type PackCrashTest, usePackCrashTest } from './pack-crash-test';
export type { PackTestOptions } from './pack-test-options';
export { keyPair, startSshd, type Sshd } from './sshd';

export interface RunOptions {
  severity?: Severity;
  dryRun?: boolean;
}

export interface PackTest {
  /** Runs a runbook as an incident and waits for its recovery record (timers skip ahead). */
  run(runbook: string, params?: Record<string, unknown>, options?: RunOptions): Promise<RecoveryRecord>;
  readonly client: Client;
  readonly config: MendConfig;
}

/** Sets up a time-skipping server and a worker around the current jest file (beforeAll / afterAll). */
export function usePackTest(packDir: string, options: PackTestOptions = {}): PackTest {
  const dir = resolve(packDir);
  const pack = readManifest(dir);
  const taskQueue = `pack-test-${randomUUID()}`;
  let env: TestWorkflowEnvironment | undefined;
  let running: Promise<void> | undefined;
  let stopWorker: (() => void) | undefined;
  let config: MendConfig | undefined;
  const snapshots = mkdtempSync(join(tmpdir(), 'mend-pack-test-'));

  beforeAll(async () => {
    const sections = (await options.before?.()) ?? {};
    env = await timeSkippingEnv();
    const raw = {
      ...sections,
      packs: [dir],
      temporal: { searchAttributes: false, taskQueue },
      snapshots: { dir: snapshots },
      ...(options.policy && { policy: options.policy }),
    };
    config = parseConfig(raw, join(dir, 'package.json'), {});
    const mend = await createMendWorker({ config, connection: env.nativeConnection, client: env.client, metrics: new MendMetrics(), taskQueue });
    stopWorker = () => mend.worker.shutdown();
    running = mend.run();
  }, 180_000);

  afterAll(async () => {
    try {
      stopWorker?.();
      await running?.catch(() => undefined); // a worker that failed has said so in its test already
    } finally {
      await env?.teardown();
      rmSync(snapshots, { recursive: true, force: true });
      await options.after?.();
    }
  }, 60_000);

  const started = () => {
    if (!env || !config) throw new Error('usePackTest: the test environment is not up (call run() inside a test)');
    return { env, config };
  };

  return {
    get client() {
      return started().env.client;
    },
    get config() {
      return started().config;
    },
    async run(runbook, params = {}, { severity = 'warning', dryRun = false } = {}) {
      const { env } = started();
      const input: IncidentInput = { runbook, params, severity, dryRun, source: 'mend test' };
      const workflowId = `pack-test-${runbook}-${randomUUID()}`;
      const record: RecoveryRecord = await env.client.workflow.execute('incident', { taskQueue, workflowId, args: [input] });
      if (!dryRun) await recordHistory(env.client, join(dir, 'test', 'histories'), record, pack.name);
      return record;
    },
  };
}

/**
 * Keeps the first history of each runbook the pack ran (its last attempt), so replay covers every runbook without
 * anyone recording by hand. MEND_RECORD_HISTORIES=1 records them anew.
 */
async function recordHistory(client: Client, dir: string, record: RecoveryRecord, pack: string): Promise<void> {
  const attempt = record.attempts.at(-1);
  if (!attempt || catalogEntries().find((e) => e.definition.name === attempt.runbook)?.pack !== pack) return;
  const file = join(dir, `${attempt.runbook}.pb`);
  if (existsSync(file) && !process.env.MEND_RECORD_HISTORIES) return;
  const workflowId = `${record.incidentId}/${attempt.runbook}`;
  const history = await client.workflow
    .getHandle(workflowId)
    .fetchHistory()
    .catch(() => undefined); // refused before its workflow started
  if (!history) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, temporal.api.history.v1.History.encode(history).finish());
  const indexFile = join(dir, 'index.json');
  const index = existsSync(indexFile) ? JSON.parse(readFileSync(indexFile, 'utf8')) : {};
  writeFileSync(indexFile, `${JSON.stringify({ ...index, [`${attempt.runbook}.pb`]: workflowId }, null, 2)}\n`);
}
