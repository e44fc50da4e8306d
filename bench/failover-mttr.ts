// Failover MTTR on real MariaDB topologies (one per run, GTID + semi-sync AFTER_SYNC), under a writer that counts only
// acknowledged rows: kill -9 of the primary → mend's incident opened (detection) → the primary confirmed dead (the
// confirmation activity done, from the runbook's history) → new primary writable (the promote step done) → the
// application's first acknowledged write on it. Zero acknowledged rows lost is checked every run.
// Detection is a probe loop standing in for monitoring: a connection every BENCH_PROBE_EVERY (200 ms) with a 1 s
// timeout; its first failure opens the incident, as an alert would. `npm run bench:failover` (BENCH_RUNS, default 10).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import type { RecoveryRecord } from '../common/types';
import { incident } from '../workflows/incident';
import { createOrdersTable, missingRows, startWriter } from '../test/helpers/db-writer';
import { kill9, mysqlConfig, startMariadbTopology, type MariadbTopology } from '../test/helpers/mariadb';
import { testConfig } from '../test/helpers/mend';
import { startDevServer } from '../test/helpers/processes';
import { startWorkerProcess, writeConfig } from '../test/helpers/worker-process';
import { waitFor } from '../test/helpers/wait';
import { eventMs, summary } from './stats';

const warmup = 1;

/** Resolves when a connection to the server fails (the detector's view of "down"). */
async function detectDown(node: string, everyMs: number): Promise<number> {
  const [host, port] = node.split(':');
  for (;;) {
    try {
      const c = await createConnection({ host, port: Number(port), user: 'nobody', connectTimeout: 1000 });
      c.destroy();
    } catch (err) {
      if ((err as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR') return Date.now();
    }
    await delay(everyMs);
  }
}

/** When the runbook's confirmation ended: its last confirming activity's completion, from the history. */
async function confirmationEnd(client: Client, runbookId: string): Promise<number> {
  const events = (await client.workflow.getHandle(runbookId).fetchHistory()).events ?? [];
  const types = new Map(events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [[String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name]] : [])));
  const confirming = ['mysqlConfirmDead', 'mysqlReplicasLost'];
  const done = events.find((e) => confirming.includes(types.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? ''));
  if (!done) throw new Error(`${runbookId}: no confirmation completed in its history`);
  return eventMs(done.eventTime!);
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 10);
  const probeEvery = Number(process.env.BENCH_PROBE_EVERY ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'mend-bench-failover-'));
  const temporal = await startDevServer();
  process.stderr.write(`starting ${runs + warmup} MariaDB topologies\n`);
  const dbs: MariadbTopology[] = [];
  for (let i = 0; i < runs + warmup; i++) dbs.push(await startMariadbTopology());
  const taskQueue = `bench-failover-${Date.now()}`;
  // Every run is a fresh cluster; the budget and the anti-flapping block would otherwise hold back repeated runs.
  const config = testConfig(undefined, { attempts: { max: 1000, window: '5m' } }, 'b', true, 0);
  Object.assign(config.temporal, { address: temporal.address, taskQueue });
  config.mysql = Object.assign({}, ...dbs.map((db, i) => mysqlConfig(db, `bench-${i}`, { blockAfterFailover: '0s' })));
  const worker = await startWorkerProcess(writeConfig(config, dir, 'mend'));
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const detected: number[] = [];
  const confirmed: number[] = [];
  const confirmedToWritable: number[] = [];
  const writable: number[] = [];
  const writing: number[] = [];
  try {
    for (const [i, db] of dbs.entries()) {
      await createOrdersTable(db);
      const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
      const watching = detectDown(db.nodes[0], probeEvery); // probing long before the kill, as monitoring would
      await waitFor(async () => writer.acked.length >= 200, '200 acknowledged rows');
      const root = await db.root(0);
      const [[semi]] = (await root.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")) as unknown as [[{ Value: string }]];
      await root.end();
      if (semi.Value !== 'ON') throw new Error(`run ${i}: semi-sync is off: the run would prove nothing`);

      const killedAt = Date.now();
      kill9(db, 0);
      const detectedAt = await watching;
      const handle = await client.workflow.start(incident, {
        taskQueue,
        workflowId: `bench-failover-${i}-${Date.now()}`,
        args: [{ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: `bench-${i}` }, faultStartedAt: new Date(killedAt).toISOString() }],
      });
      const record: RecoveryRecord = await handle.result();
      if (record.status !== 'recovered') throw new Error(`run ${i}: ${record.status}: ${record.reason}`);
      const promote = record.attempts[0].steps.find((s) => s.name.startsWith('promote '))!;
      const promoted = promote.name.slice('promote '.length);
      await waitFor(async () => writer.firstAck.has(promoted), 'the writer to write on the new primary');
      await writer.stop();

      const lost = (await missingRows(db, writer.acked, promoted)).missing;
      if (lost.length) throw new Error(`run ${i}: ${lost.length} acknowledged rows lost`);
      if (i < warmup) continue;
      detected.push(detectedAt - killedAt);
      const confirmedAt = await confirmationEnd(client, `${handle.workflowId}/mysql-primary-failover`);
      confirmed.push(confirmedAt - killedAt);
      confirmedToWritable.push(Date.parse(promote.endedAt!) - confirmedAt);
      writable.push(Date.parse(promote.endedAt!) - killedAt);
      writing.push(writer.firstAck.get(promoted)! - killedAt);
      process.stderr.write(`run ${i}: writing again after ${writing.at(-1)} ms, ${writer.acked.length} rows, 0 lost\n`);
    }
    console.log(`detection: probe every ${probeEvery} ms (1 s connect timeout); runbook confirms with 3 probes 300 ms apart and the replicas' IO threads`);
    console.log(`kill -9 → incident opened:        ${summary(detected)}`);
    console.log(`kill -9 → confirmed dead:         ${summary(confirmed)}`);
    console.log(`confirmed dead → writable:        ${summary(confirmedToWritable)}`);
    console.log(`kill -9 → new primary writable:   ${summary(writable)}`);
    console.log(`kill -9 → application writing:    ${summary(writing)}`);
    console.log('acknowledged rows lost: 0 in every run');
  } finally {
    await connection.close();
    await worker.stop();
    await Promise.all(dbs.map((db) => db.stop()));
    await temporal.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
