// A pack's crash tests (`mend test <pack> --crash`, files test/**/*.crash.test.ts): its runbooks under the crash
// harness, on a Temporal dev server (timers run in real time: a killed worker's tasks must time out for real) with
// mend's crash worker processes serving mend's packs and this one.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { type DevServer, startDevServer } from '../common/dev-server';
import type { RecoveryRecord, Severity } from '../common/types';
import { readManifest } from '../packs/manifest';
import { type CrashReport, crashEveryPoint, crashLearning, crashPolicy, type Point, startCrashIncident } from './crash-harness';
import type { PackTestOptions } from './pack-test-options';

export interface PackCrashCase {
  /** Puts the targets back as a run starts from, the fault included. */
  reset(): Promise<void>;
  /** Side effects counted on the real system (calls, restarts, rows...): every run must add what the clean run added. */
  count(): Promise<Record<string, number>>;
  /** Which points to try (default: all). */
  points?(point: Point): boolean;
  /** What a crashed run must share with the clean one (default: its status and each attempt's). */
  outcome?(record: RecoveryRecord): unknown;
  severity?: Severity;
}

export interface PackCrashTest {
  /** Runs the runbook as an incident once cleanly, then once killed at each point; `differing` lists the runs unlike the clean one. */
  crash(runbook: string, params: Record<string, unknown>, c: PackCrashCase): Promise<CrashReport>;
  readonly client: Client;
}

/** Sets up a dev server and a crash worker config around the current jest file (beforeAll / afterAll). */
export function usePackCrashTest(packDir: string, options: PackTestOptions = {}): PackCrashTest {
  const dir = resolve(packDir);
  readManifest(dir);
  const taskQueue = `pack-crash-${randomUUID()}`;
  const scratch = mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), 'mend-pack-crash-'));
  const configPath = join(scratch, 'mend.yaml');
  let server: DevServer | undefined;
  let connection: Connection | undefined;
  let client: Client | undefined;

  beforeAll(async () => {
    const sections = (await options.before?.()) ?? {};
    server = await startDevServer();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    const policy = { ...crashPolicy, ...options.policy };
    const config = {
      ...sections,
      packs: [dir],
      temporal: { address: server.address, taskQueue },
      snapshots: { dir: join(scratch, 'snapshots') },
      metrics: { host: '127.0.0.1', port: 0 },
      policy,
      learning: crashLearning,
    };
    writeFileSync(configPath, stringify(config));
  }, 180_000);

  afterAll(async () => {
    try {
      await connection?.close();
      await server?.stop();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      await options.after?.();
    }
  }, 60_000);

  const requireClient = () => {
    if (!client) throw new Error('usePackCrashTest: the test environment is not up (call crash() inside a test)');
    return client;
  };

  return {
    get client() {
      return requireClient();
    },
    crash(runbook, params, c) {
      const client = requireClient();
      let run = 0;
      return crashEveryPoint({
        client,
        configPath,
        reset: c.reset,
        count: c.count,
        points: c.points,
        outcome: c.outcome,
        start: () =>
          startCrashIncident(client, taskQueue, `pack-crash-${runbook}-${randomUUID()}-${run++}`, {
            runbook,
            params,
            severity: c.severity ?? 'warning',
            source: 'mend test --crash',
          }),
      });
    },
  };
}
