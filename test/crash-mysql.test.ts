// kill -9 on the MySQL runbooks: the crash harness kills the worker after every change and undo of the runbook, at
// the heartbeats of its long steps and during its timers, on a fresh MariaDB topology each run (a copy of one set up
// once). Every run ends as the clean one did, with the same statements counted by each server (its Com_* counters),
// every acknowledged row on the server the writer endpoint names, and for a backup one complete backup and no
// scratch server left.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { crashEveryPoint, type CrashReport, exceptAfterReads, expectLikeClean, inRunbook, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig, useCrashClient } from './helpers/crash-setup';
import { createOrdersTable, insertRows } from './helpers/db-writer';
import { expectLosslessSemiSync, kill9, type MariadbTopology, mysqlConfig, pristineCopy, startMariadbTopology } from './helpers/mariadb';
import { waitFor } from './helpers/wait';

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
const acting = exceptAfterReads([
  'mysqlServers',
  'mysqlProbe',
  'mysqlReplicasLost',
  'mysqlConfirmDead',
  'mysqlFailoverSettings',
  'mysqlReplicationFaults',
  'mysqlReplicaCaughtUp',
  'mysqlConnections',
  'mysqlSessions',
]);

const statements = ['Com_stop_slave', 'Com_start_slave', 'Com_change_master', 'Com_reset', 'Com_kill'];

/** The statements (replication, KILL) each answering server ran since it started (a dead one counts nothing). */
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

interface MysqlCase {
  /** What the run starts from, after the fresh topology and its rows. */
  fault?(): unknown;
  /** More side effects to count. */
  count?(): Promise<Record<string, number>>;
  /** More settings of the cluster. */
  settings?: Record<string, unknown>;
  /** More environment for the workers (a TMPDIR of the case's own). */
  env?: Record<string, string>;
}

/** Each run: a fresh topology holding `rows` acknowledged rows, then what the case's fault does to it. */
async function crashMysql(runbook: string, params: Record<string, unknown>, c: MysqlCase = {}): Promise<CrashReport> {
  const prefix = `crash-${runbook}-${Date.now()}`;
  let run = 0;
  // A high-risk switchover is asked without approval here; a failover blocks no next one.
  // A cluster name per case: each case's workers serve only its own target's guard.
  const cluster = runbook.replace('mysql-', '');
  const mysql = mysqlConfig(db, cluster, { blockAfterFailover: '0s', ...c.settings });
  return crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { mysql, policy: { approval: { approvers: ['alice'], risks: [] } } }),
    env: c.env,
    points: (p) => inRunbook(p) && acting(p),
    reset: async () => {
      await freshTopology();
      await insertRows(db, rows);
      await expectLosslessSemiSync(db);
      await c.fault?.();
    },
    start: () => startCrashIncident(t.client, prefix, `${prefix}-${run++}`, { runbook, severity: 'warning', params: { cluster, ...params } }),
    count: async () => ({ ...(await statementCounts()), ackedRowsNotOnWriter: await ackedRowsNotOnWriter(), ...(await c.count?.()) }),
  });
}

test('mysql-primary-failover: killed at every step, it promotes and repoints once and loses no acknowledged row', async () => {
  const report = await crashMysql('mysql-primary-failover', { probeInterval: '100ms' }, { fault: () => kill9(db, 0) });
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
  const report = await crashMysql('mysql-replication-repair', {}, { fault: stopReplica });
  expect(report.clean).toMatchObject({
    outcome: { status: 'recovered', attempts: ['mysql-replication-repair: verified'] },
    effects: { Com_start_slave: 1, Com_stop_slave: 0, Com_change_master: 0, ackedRowsNotOnWriter: 0 },
  });
  expectLikeClean(report);
}, 600_000);

test('mysql-connection-surge: killed after its KILLs, it kills each long read once and nothing else', async () => {
  // 85 of max_connections 100: long reads of the application, and one read in a transaction that wrote a row.
  let clients: Connection[] = [];
  const statement = (c: Connection, sql: string) => c.query(sql).catch(() => undefined); // ends when killed or reset
  const appSleeps = async (atLeastSeconds = 0) => {
    const root = await db.root(0);
    try {
      const [[{ n }]] = (await root.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'app' AND INFO LIKE 'SELECT SLEEP%' AND TIME >= ?", [
        atLeastSeconds,
      ])) as unknown as [[{ n: number }]];
      return Number(n);
    } finally {
      await root.end();
    }
  };
  try {
    const report = await crashMysql(
      'mysql-connection-surge',
      { olderThan: '1s', verifyWithin: '30s' },
      {
        fault: async () => {
          for (const c of clients) c.destroy();
          clients = await Promise.all(Array.from({ length: 85 }, () => db.app(0)));
          const [writer, ...readers] = clients;
          await writer.query('BEGIN');
          await writer.query('INSERT INTO orders (id) VALUES (?)', [rows + 1]);
          for (const c of [writer, ...readers]) void statement(c, 'SELECT SLEEP(600)');
          await waitFor(async () => (await appSleeps(1)) === 85, 'the 85 reads to run 1 s (olderThan)');
        },
        count: async () => ({ sleepsLeft: await appSleeps() }),
      },
    );
    expect(report.clean).toMatchObject({
      outcome: { status: 'recovered', attempts: ['mysql-connection-surge: verified'] },
      // 84 long reads killed; the one in a writing transaction stays.
      effects: { Com_kill: 84, sleepsLeft: -84 },
    });
    expectLikeClean(report);
  } finally {
    for (const c of clients) c.destroy();
  }
}, 600_000);

/**
 * Holds the backup of either replica on a table lock (its dump and its checksums wait) until one of mend's statements
 * has waited `seconds`, past the dump's first heartbeat (5 s): a crash point in the middle of the dump.
 */
async function holdBackup(seconds: number): Promise<{ released: Promise<void>; release(): Promise<void> }> {
  const locks = await Promise.all([1, 2].map((node) => db.root(node)));
  for (const lock of locks) await lock.query('LOCK TABLES appdb.orders WRITE');
  let now = false;
  const waited = async () => {
    if (now) return true;
    for (const lock of locks) {
      const [[{ n }]] = (await lock.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'mend' AND STATE LIKE 'Waiting for%' AND TIME >= ?", [
        seconds,
      ])) as unknown as [[{ n: number }]];
      if (Number(n) > 0) return true;
    }
    return false;
  };
  // A killed worker's dump is a process of its own: it waits on until the locks go.
  const released = waitFor(waited, `a backup to wait ${seconds} s on the table lock`, 120_000)
    .finally(() => Promise.all(locks.map((lock) => lock.end())))
    .then(() => undefined);
  released.catch(() => undefined); // thrown where it is awaited
  return {
    released,
    release: () => {
      now = true;
      return released.catch(() => undefined);
    },
  };
}

test('mysql-backup-verify: killed at every step, in the middle of its dump too, it leaves one backup, the replica replicating, no scratch server', async () => {
  const backups = `${db.dir}-backups`;
  let hold: Awaited<ReturnType<typeof holdBackup>> | undefined;
  // The workers' temporary folder, where scratch servers live: this case's alone.
  const scratch = mkdtempSync(join(tmpdir(), 'crash-scratch-'));
  const scratchLeft = () => readdirSync(scratch).filter((f) => f.startsWith('mend-scratch-')).length;
  try {
    const report = await crashMysql(
      'mysql-backup-verify',
      {},
      {
        settings: { backup: { dir: backups, retain: 1 } },
        env: { TMPDIR: scratch },
        fault: async () => {
          await hold?.released;
          rmSync(backups, { recursive: true, force: true });
          hold = await holdBackup(6);
        },
        count: async () => {
          const files = existsSync(join(backups, 'backup-verify')) ? readdirSync(join(backups, 'backup-verify')) : [];
          return { backups: files.filter((f) => f.endsWith('.json')).length, files: files.length, scratchLeft: scratchLeft() };
        },
      },
    );
    expect(report.clean).toMatchObject({
      outcome: { status: 'recovered', attempts: ['mysql-backup-verify: verified'] },
      // The source replica's applier is paused for the dump once and started again once.
      effects: { backups: 1, scratchLeft: 0, Com_stop_slave: 1, Com_start_slave: 1, ackedRowsNotOnWriter: 0 },
    });
    expect(report.runs.map((r) => r.point)).toContain('heartbeat mysql-backup-verify#2 mysqlBackup');
    expectLikeClean(report);
    await hold?.released;
  } finally {
    await hold?.release();
    rmSync(backups, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}, 600_000);
