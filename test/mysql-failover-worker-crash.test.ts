// kill -9 of the worker in the middle of a failover, after the promotion and before the repointing: a new worker
// completes it from the workflow's history, without a second promotion, and no acknowledged row is lost.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MysqlClusters } from '../activities/mysql/connections';
import { mysqlActivities } from '../activities/mysql';
import type { RecoveryRecord } from '../common/types';
import { incident } from '../workflows/incident';
import { incidentStatusQuery } from '../workflows/definitions';
import { createOrdersTable, missingRows, startWriter } from './helpers/db-writer';
import { kill9, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { testConfig } from './helpers/mend';
import { waitFor } from './helpers/wait';
import { startStallingWorker, startWorkerProcess, writeConfig, type WorkerProcess } from './helpers/worker-process';

let db: MariadbTopology;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  db = await startMariadbTopology();
  connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
  client = new Client({ connection });
  await createOrdersTable(db);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await connection?.close();
  await db?.stop();
});

test('kill -9 between promotion and repointing: a new worker finishes the failover, promoting once', async () => {
  const taskQueue = `failover-crash-${Date.now()}`;
  // A short activity timeout: the killed worker's activity is retried by the new worker after it.
  const config = testConfig(undefined, { activityTimeout: '5s' }, taskQueue);
  config.temporal.address = process.env.MEND_TEST_TEMPORAL!;
  config.temporal.taskQueue = taskQueue;
  config.mysql = mysqlConfig(db, 'crash');
  const configPath = writeConfig(config, mkdtempSync(join(tmpdir(), 'mend-failover-crash-')), 'mend');
  const acts = mysqlActivities(new MysqlClusters(config.mysql));

  workers.push(await startStallingWorker(configPath, 'mysqlReplicateFrom'));
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 200, '200 acknowledged rows');
  kill9(db, 0);
  const handle = await client.workflow.start(incident, {
    taskQueue,
    workflowId: `failover-crash-${Date.now()}`,
    args: [{ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'crash' } }],
  });
  await waitFor(async () => workers[0].output().includes('stalled mysqlReplicateFrom'), 'the failover to reach the repointing', 60_000);

  // Promoted, not yet repointed: the other replica still names the dead primary.
  const mid = await acts.mysqlServers({ cluster: 'crash' });
  const promoted = mid.find((s) => s.reachable && !s.readOnly && !s.replica)!.node;
  const other = db.nodes.find((n) => n !== db.nodes[0] && n !== promoted)!;
  expect(mid.find((s) => s.node === other)!.replica!.source).toBe(db.nodes[0]);
  await workers[0].stop('SIGKILL');
  expect(workers[0].process.signalCode).toBe('SIGKILL');

  workers.push(await startWorkerProcess(configPath));
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  const steps = record.attempts[0].steps.map((s) => s.name);
  expect(steps.filter((s) => s.startsWith('promote'))).toEqual([`promote ${promoted}`]);
  expect(steps).toContain(`point ${other} at ${promoted}`);

  // The runbook's history: one promotion, scheduled once; the repointing retried after the crash and done.
  const { runbookWorkflowId } = await handle.query(incidentStatusQuery);
  const history = await client.workflow.getHandle(runbookWorkflowId!).fetchHistory();
  const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled.filter((n) => n === 'mysqlPromote')).toHaveLength(1);
  const repointStarts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt! > 1);
  expect(repointStarts.length).toBeGreaterThan(0);

  const after = await waitFor(async () => {
    const s = await acts.mysqlServers({ cluster: 'crash' });
    const o = s.find((x) => x.node === other)!;
    return o.replica?.sqlRunning && o.executedGtids === s.find((x) => x.node === promoted)!.executedGtids ? s : undefined;
  }, 'the other replica to follow the new primary');
  expect(after.filter((s) => s.reachable && !s.readOnly).map((s) => s.node)).toEqual([promoted]);

  await waitFor(async () => writer.writers.at(-1) === promoted, 'the writer to move to the new primary');
  await writer.stop();
  expect((await missingRows(db, writer, promoted)).missing).toEqual([]);
});
