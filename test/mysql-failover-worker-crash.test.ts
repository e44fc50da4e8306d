// kill -9 of the worker in the middle of a failover, after the promotion acted and before it was reported: a new
// worker completes the failover from the workflow's history; the retried promotion finds the server promoted and
// changes nothing (the server's own statement counters say so); no acknowledged row is lost.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { RecoveryRecord } from '../common/types';
import { incident } from '../workflows/incident';
import { incidentStatusQuery } from '../workflows/definitions';
import { createOrdersTable, missingRows, startWriter } from './helpers/db-writer';
import { expectLosslessSemiSync, globalStatus, kill9, mysqlActs, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { testConfig } from './helpers/mend';
import { waitFor } from './helpers/wait';
import { processConfigFile, startStallingWorker, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

let db: MariadbTopology;
let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

/** How many times the server has run a kind of statement since it started (its Com_* status counter). */
const statementCount = async (node: string, counter: string) => Number(await globalStatus(db, db.nodes.indexOf(node), counter));

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

test('kill -9 between the promotion and the repointing: a new worker finishes the failover, promoting once', async () => {
  const taskQueue = `failover-crash-${Date.now()}`;
  // A short activity timeout: the killed worker's activity is retried by the new worker after it.
  const config = testConfig(undefined, { activityTimeout: '10s' }, taskQueue);
  config.mysql = mysqlConfig(db, 'crash');
  const configPath = processConfigFile(config, taskQueue);
  const acts = mysqlActs(db, 'crash');

  workers.push(await startStallingWorker(configPath, 'after', 'mysqlPromote'));
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 200, '200 acknowledged rows');
  await expectLosslessSemiSync(db);
  kill9(db, 0);
  const handle = await client.workflow.start(incident, {
    taskQueue,
    workflowId: `failover-crash-${Date.now()}`,
    args: [{ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'crash' } }],
  });
  await waitFor(async () => workers[0].output().includes('stalled after mysqlPromote'), 'the promotion', 60_000);
  // Killed at once, before the promotion's timeout sends its retry back to this worker.
  await workers[0].stop('SIGKILL');
  expect(workers[0].process.signalCode).toBe('SIGKILL');

  // Promoted, not yet repointed: the other replica still names the dead primary.
  const mid = await acts.mysqlServers({ cluster: 'crash' });
  const promoted = mid.find((s) => s.reachable && !s.readOnly && !s.replica)!.node;
  const other = db.nodes.find((n) => n !== db.nodes[0] && n !== promoted)!;
  expect(mid.find((s) => s.node === other)!.replica!.source).toBe(db.nodes[0]);
  const stopsAtCrash = await statementCount(promoted, 'Com_stop_slave');
  expect(stopsAtCrash).toBe(1);

  workers.push(await startWorkerProcess(configPath));
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  const steps = record.attempts[0].steps;
  // The promotion's second attempt (the new worker's) found it done; the server ran STOP/RESET SLAVE once.
  expect(steps.filter((s) => s.name.startsWith('promote'))).toEqual([expect.objectContaining({ name: `promote ${promoted}`, result: { changed: false } })]);
  expect(steps.map((s) => s.name)).toContain(`point ${other} at ${promoted}`);
  expect(await statementCount(promoted, 'Com_stop_slave')).toBe(stopsAtCrash);
  const { runbookWorkflowId } = await handle.query(incidentStatusQuery);
  const history = await client.workflow.getHandle(runbookWorkflowId!).fetchHistory();
  const promote = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'mysqlPromote')!;
  const started = history.events!.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(promote.eventId));
  expect(started!.activityTaskStartedEventAttributes!.attempt).toBe(2);

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
