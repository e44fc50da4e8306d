// kill -9 on the MySQL failover, switchover and replication repair: the crash harness kills the worker after every
// change and undo of the runbook and during its timers, on a fresh MariaDB topology each run (a copy of one set up
// once). Every run ends as the clean one did, with the same replication statements counted by each server (its Com_*
// counters) and every acknowledged row on the server the writer endpoint names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashEveryPoint, type CrashReport, exceptAfterReads, expectLikeClean, inRunbook, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig, useCrashClient } from './helpers/crash-setup';
import { createOrdersTable, insertRows } from './helpers/db-writer';
import { expectLosslessSemiSync, kill9, type MariadbTopology, mysqlConfig, pristineCopy, startMariadbTopology } from './helpers/mariadb';

const t = useCrashClient();
let db: MariadbTopology;
let freshTopology: () => Promise<void>;
const rows = 50;

beforeAll(async () => {
  db = await startMariadbTopology();
  await createOrdersTable(db);
  freshTopology = await pristineCopy(db);
});
afterAll(async () => db?.stop());

/** The runbook's changes and undos (a crash after a read is tried in crash-cache-warmup). */
const acting = exceptAfterReads(['mysqlServers', 'mysqlProbe', 'mysqlReplicasLost', 'mysqlFailoverSettings', 'mysqlReplicationFaults', 'mysqlReplicaCaughtUp']);

const statements = ['Com_stop_slave', 'Com_start_slave', 'Com_change_master', 'Com_reset'];

/** Replication statements each answering server ran since it started (a dead one counts nothing). */
async function statementCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(statements.map((s) => [s, 0]));
  for (const node of [0, 1, 2]) {
    const root = await db.root(node).catch(() => undefined);
    if (!root) continue;
    try {
      const [status] = (await root.query('SHOW GLOBAL STATUS WHERE Variable_name IN (?)', [statements])) as unknown as [{ Variable_name: string; Value: string }[]];
      expect(status.map((s) => s.Variable_name).sort()).toEqual([...statements].sort());
      for (const s of status) counts[s.Variable_name] += Number(s.Value);
    } finally {
      await root.end();
    }
  }
  return counts;
}

/** The acknowledged rows (1..rows) the writer endpoint's server lacks; all of them when it does not answer. */
async function ackedRowsNotOnWriter(): Promise<number> {
  const { writer } = JSON.parse(readFileSync(join(db.dir, 'writer.json'), 'utf8')) as { writer: string };
  const app = await db.app(db.nodes.indexOf(writer)).catch(() => undefined);
  if (!app) return rows;
  try {
    const [[{ present }]] = (await app.query('SELECT COUNT(*) AS present FROM orders WHERE id BETWEEN 1 AND ?', [rows])) as unknown as [[{ present: number }]];
    return rows - Number(present);
  } finally {
    app.destroy();
  }
}

/** Each run: a fresh topology holding `rows` acknowledged rows, then what `fault` does to it. */
async function crashMysql(runbook: string, params: Record<string, unknown>, fault: () => unknown = () => undefined): Promise<CrashReport> {
  const prefix = `crash-${runbook}-${Date.now()}`;
  let run = 0;
  // A high-risk switchover is asked without approval here; a failover blocks no next one.
  // A cluster name per case: each case's workers serve only its own target's guard.
  const cluster = runbook.replace('mysql-', '');
  const mysql = mysqlConfig(db, cluster, { blockAfterFailover: '0s' });
  return crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { mysql, policy: { approval: { approvers: ['alice'], risks: [] } } }),
    points: (p) => inRunbook(p) && acting(p),
    reset: async () => {
      await freshTopology();
      await insertRows(db, rows);
      await expectLosslessSemiSync(db);
      await fault();
    },
    start: () => startCrashIncident(t.client, prefix, `${prefix}-${run++}`, { runbook, severity: 'warning', params: { cluster, ...params } }),
    count: async () => ({ ...(await statementCounts()), ackedRowsNotOnWriter: await ackedRowsNotOnWriter() }),
  });
}

test('mysql-primary-failover: killed at every step, it promotes and repoints once and loses no acknowledged row', async () => {
  const report = await crashMysql('mysql-primary-failover', { probeInterval: '100ms' }, () => kill9(db, 0));
  expect(report.clean).toMatchObject({
    outcome: { status: 'recovered', attempts: ['mysql-primary-failover: verified'] },
    // The promoted replica stops and resets its replication; the other stops, is repointed and starts again.
    effects: { Com_stop_slave: 2, Com_reset: 1, Com_change_master: 1, Com_start_slave: 1, ackedRowsNotOnWriter: -rows },
  });
  expectLikeClean(report);
}, 600_000);

test('mysql-switchover: killed at every step, including right after the old primary went read-only, it hands over once', async () => {
  const report = await crashMysql('mysql-switchover', {});
  expect(report.clean).toMatchObject({
    outcome: { status: 'recovered', attempts: ['mysql-switchover: verified'] },
    effects: { ackedRowsNotOnWriter: 0 },
  });
  expectLikeClean(report);
}, 600_000);

test('mysql-replication-repair: killed after the restart of replication, it starts it once', async () => {
  // Stopped with no error: a transient cause, repaired by START SLAVE.
  const stopReplica = async () => {
    const replica = await db.root(1);
    await replica.query('STOP SLAVE');
    await replica.end();
  };
  const report = await crashMysql('mysql-replication-repair', {}, stopReplica);
  expect(report.clean).toMatchObject({
    outcome: { status: 'recovered', attempts: ['mysql-replication-repair: verified'] },
    effects: { Com_start_slave: 1, Com_stop_slave: 0, Com_change_master: 0, ackedRowsNotOnWriter: 0 },
  });
  expectLikeClean(report);
}, 600_000);
