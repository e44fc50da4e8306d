// mysql-backup-verify on a real MariaDB topology (primary + 2 replicas, GTID) under a live writer: the backup of a
// replica restores into a scratch server with the source's row counts and checksums at exactly its GTID position,
// the replica replicates again, retention keeps `retain` backups, a retried backup step reuses its backup, and a
// backup altered after the fact is caught by its sha256 or, with its manifest rewritten to match, by the restore.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { backupIdOf, type BackupRef, type RestoreCheck } from '../runbooks/mysql/actions/backup';
import { BackupStore, type BackupManifest } from '../runbooks/mysql/actions/backup-store';
import { ScratchServer } from '../runbooks/mysql/actions/scratch-server';
import { findTools, runTool } from '../runbooks/mysql/actions/tools';
import { parseGtids } from '../runbooks/mysql/actions/gtid';
import type { RecoveryRecord } from '../common/types';
import { createOrdersTable, startWriter } from './helpers/db-writer';
import { mysqlActs, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { scratchDir } from './helpers/processes';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;
let backups: string;
/** The primary's GTID sequence once appdb.orders exists: each row the writer adds after it is one transaction. */
let ordersFrom: number;

const clusterConfig = (name: string, retain: number) => mysqlConfig(db, name, { backup: { dir: backups, retain } });

beforeAll(async () => {
  db = await startMariadbTopology();
  backups = join(db.dir, 'backups');
  mend = await startMend({
    mysql: { ...clusterConfig('bk', 2), ...clusterConfig('keep', 2), ...clusterConfig('tamper', 5) },
    policy: { attempts: { max: 20, window: '5m' }, cooldown: '0s' }, // failed verifications follow each other
  });
  const root = await db.root(0);
  await root.query('CREATE DATABASE shop');
  // What deploy/mysql/grants.sql asks for on each application database mend backs up.
  await root.query("GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON shop.* TO 'mend'@'127.0.0.1'");
  await root.query('CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), photo BLOB)');
  await root.query('CREATE TABLE appdb.customers (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, note TEXT NULL, born DATE, seen DATETIME(6))');
  for (let i = 1; i <= 50; i++) await root.query('INSERT INTO shop.items VALUES (?, ?, ?, ?)', [i, `item-${i}`, i * 1.25, Buffer.from([i, 0, 255, 39])]);
  // Objects that need more than SELECT to be dumped in full: a routine, a view, a trigger and an event.
  await root.query('CREATE PROCEDURE shop.restock(IN n INT) SELECT n AS restocked');
  await root.query('CREATE VIEW shop.cheap_items AS SELECT id, name FROM shop.items WHERE price < 10');
  await root.query('CREATE TRIGGER shop.items_touch BEFORE UPDATE ON shop.items FOR EACH ROW SET NEW.name = NEW.name');
  await root.query('CREATE EVENT shop.nightly ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1');
  const customers = Array.from({ length: 200 }, (_, i) => [i + 1, `customer-${i + 1}@example.com`, i % 3 ? `it's #${i}` : null, '1990-01-02', '2024-05-06 07:08:09.123456']);
  await root.query('INSERT INTO appdb.customers VALUES ?', [customers]);
  await createOrdersTable(db);
  ordersFrom = await gtidSeq(0);
  await root.end();
  await waitFor(async () => (await gtidSeq(1)) === ordersFrom && (await gtidSeq(2)) === ordersFrom, 'the replicas to catch up');
});
afterAll(async () => {
  await mend?.stop();
  await db?.stop();
});

async function query<T>(node: number, sql: string): Promise<T[]> {
  const root = await db.root(node);
  try {
    return ((await root.query(sql)) as unknown as [T[]])[0];
  } finally {
    await root.end();
  }
}

const gtidSeq = async (node: number) => parseGtids((await query<{ pos: string }>(node, 'SELECT @@GLOBAL.gtid_current_pos AS pos'))[0].pos)[0]?.seq ?? 0;

/** Runs an activity directly, in a mock activity context (heartbeats go nowhere). */
const inActivity = <I, O>(activity: (input: I) => Promise<O>, input: I) => new MockActivityEnvironment().run(activity, input) as Promise<O>;

const backupVerify = (params: Record<string, unknown>, dryRun = false) => mend.run({ runbook: 'mysql-backup-verify', severity: 'warning', params, dryRun });

const stepResult = <T>(record: RecoveryRecord, name: RegExp) => record.attempts[0].steps.find((s) => name.test(s.name))?.result as T;

const manifestOf = (cluster: string, id: string) => JSON.parse(readFileSync(join(backups, cluster, `${id}.json`), 'utf8')) as BackupManifest;

/** Backup ids of a cluster's folder, by file kind. */
const filesOf = (cluster: string) => {
  const names = existsSync(join(backups, cluster)) ? readdirSync(join(backups, cluster)) : [];
  return { json: names.filter((n) => n.endsWith('.json')).sort(), other: names.filter((n) => !/\.(json|sql|verified)$/.test(n)) };
};

/** Live processes using this scratch server's folder (another test file may run a scratch server of its own). */
const scratchProcesses = (dir: string) =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`--datadir=${dir}/data`);
      } catch {
        return false;
      }
    });

test('a backup of a replica under live writes restores with the same row counts and checksums; the record has its GTID position and RPO', async () => {
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 50, '50 acknowledged orders');
  let record: RecoveryRecord;
  try {
    record = await backupVerify({ cluster: 'bk' });
  } finally {
    await writer.stop();
  }
  expect(record.status).toBe('recovered');
  const [attempt] = record.attempts;
  const backup = stepResult<BackupRef>(record, /^back up every database from /);
  const restored = stepResult<RestoreCheck>(record, /^restore backup /);
  expect(attempt.steps.map((s) => [s.name, s.status])).toEqual([
    [`back up every database from ${backup.source}`, 'done'],
    [`restore backup ${backup.id} into a scratch server`, 'done'],
    [
      expect.stringMatching(new RegExp(`^RPO: backup ${backup.id} holds GTID ${backup.gtid}, \\d+s old; the primary ${db.nodes[0]} is \\d+ transactions ahead \\(0-1-\\d+\\)$`)),
      'planned',
    ],
    ['delete backups of bk beyond its retention', 'done'],
  ]);
  expect(db.nodes.slice(1)).toContain(backup.source);
  expect(backup).toMatchObject({ gtid: expect.stringMatching(/^0-1-\d+$/), databases: ['appdb', 'shop'], tables: 3, reused: false });

  // The manifest describes exactly the data at the dump's GTID position: one order row per transaction since.
  const manifest = manifestOf('bk', backup.id);
  const backupSeq = parseGtids(backup.gtid)[0].seq;
  const sums = Object.fromEntries(manifest.tables.map((t) => [`${t.database}.${t.table}`, t]));
  expect(sums['appdb.orders'].rows).toBe(backupSeq - ordersFrom);
  expect(sums['appdb.orders'].rows).toBeGreaterThanOrEqual(50);
  expect(sums['appdb.customers'].rows).toBe(200);
  expect(sums['shop.items'].rows).toBe(50);
  const primarySums = await query<{ Table: string; Checksum: number }>(0, 'CHECKSUM TABLE appdb.customers, shop.items EXTENDED');
  expect(primarySums.map((r) => [r.Table, String(r.Checksum)])).toEqual([
    ['appdb.customers', sums['appdb.customers'].checksum],
    ['shop.items', sums['shop.items'].checksum],
  ]);
  const dumpFile = join(backups, 'bk', `${backup.id}.sql`);
  const dumped = readFileSync(dumpFile, 'utf8');
  expect(dumped).toContain(`-- SET GLOBAL gtid_slave_pos='${backup.gtid}';`);
  // mend's grants are enough for each object's full definition (without them the dump leaves bodies out).
  expect(dumped).toMatch(/PROCEDURE `restock`\(IN n INT\)\s+SELECT n AS restocked/);
  expect(dumped).toMatch(/VIEW `cheap_items` AS select/);
  expect(dumped).toMatch(/TRIGGER shop\.items_touch BEFORE UPDATE ON shop\.items FOR EACH ROW SET NEW\.name = NEW\.name/);
  expect(dumped).toMatch(/EVENT `nightly` ON SCHEDULE EVERY 1 DAY/);
  for (const file of [dumpFile, join(backups, 'bk', `${backup.id}.json`)]) expect(statSync(file).mode & 0o777).toBe(0o600);

  // The scratch server held every row, and is gone.
  expect(restored).toMatchObject({ tables: 3, rows: 250 + sums['appdb.orders'].rows, mismatchCount: 0, mismatches: [] });
  expect(existsSync(`/proc/${restored.scratch.pid}`)).toBe(false);
  expect(existsSync(restored.scratch.dir)).toBe(false);
  expect(scratchProcesses(restored.scratch.dir)).toEqual([]);

  // The RPO at verification time: the primary's transactions since the backup's position.
  const verification = attempt.verifications.find((v) => /restored tables' row counts and checksums match/.test(v.name))!;
  const { rpo } = verification.evidence as { rpo: { gtid: string; ageSeconds: number; primary: string; primaryGtid: string; transactionsBehind: number } };
  expect(rpo).toMatchObject({ gtid: backup.gtid, primary: db.nodes[0] });
  expect(rpo.transactionsBehind).toBe(parseGtids(rpo.primaryGtid)[0].seq - backupSeq);
  expect(rpo.transactionsBehind).toBeGreaterThan(0); // the writer went on during the restore
  expect(rpo.ageSeconds).toBeLessThan(60);

  // The replica backed up replicates again and catches up.
  const source = db.nodes.indexOf(backup.source);
  const [status] = await query<{ Slave_IO_Running: string; Slave_SQL_Running: string }>(source, 'SHOW SLAVE STATUS');
  expect([status.Slave_IO_Running, status.Slave_SQL_Running]).toEqual(['Yes', 'Yes']);
  const final = await gtidSeq(0);
  await waitFor(async () => (await gtidSeq(source)) === final, 'the backed-up replica to catch up with the primary');
  expect(filesOf('bk').other).toEqual([]); // no stop note or partial file left
  expect(existsSync(join(backups, 'bk', `${backup.id}.verified`))).toBe(true); // a DR run's RPO counts on it
});

test('a dry-run plans without dumping; retention keeps the newest `retain` backups of a cluster', async () => {
  const plan = await backupVerify({ cluster: 'keep', databases: ['shop'] }, true);
  expect(plan.status).toBe('planned');
  expect(plan.attempts[0].steps.map((s) => s.name)).toEqual([
    expect.stringMatching(/^back up shop from 127\.0\.0\.1:\d+$/),
    expect.stringMatching(/^would verify "127\.0\.0\.1:\d+ replicates as before the backup" within 30s$/),
    expect.stringMatching(/^would restore backup [0-9a-f]{16} into a scratch server/),
  ]);
  expect(plan.attempts[0].steps[0].result).toMatchObject({ planned: true, databases: ['shop'] });
  expect(existsSync(join(backups, 'keep'))).toBe(false);

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const record = await backupVerify({ cluster: 'keep', databases: ['shop'] });
    expect(record.status).toBe('recovered');
    ids.push(stepResult<BackupRef>(record, /^back up shop from /).id);
    expect(stepResult<{ deleted: string[] }>(record, /^delete backups/).deleted).toEqual(i < 2 ? [] : [ids[0]]);
  }
  expect(filesOf('keep').json).toEqual(
    ids
      .slice(1)
      .map((id) => `${id}.json`)
      .sort(),
  );
  expect(
    readdirSync(join(backups, 'keep'))
      .filter((n) => n.endsWith('.sql'))
      .sort(),
  ).toEqual(
    ids
      .slice(1)
      .map((id) => `${id}.sql`)
      .sort(),
  );
});

test("a dump that fails leaves the replica's applier running again; mariadb-dump gets the password in MYSQL_PWD, not in argv", async () => {
  // A mariadb-dump that notes its argv, its MYSQL_PWD and the replica's SQL thread, then fails as a lost server would.
  const bin = join(db.dir, 'failing-bin');
  mkdirSync(bin);
  const real = findTools();
  for (const tool of [real.client, real.installDb, real.server]) symlinkSync(tool, join(bin, basename(tool)));
  const sqlThread = `env -u MYSQL_PWD mariadb --no-defaults -uroot --socket=${db.dir}/n2.sock -e 'SHOW SLAVE STATUS\\G' | grep -o 'Slave_SQL_Running: [A-Za-z]*'`;
  writeFileSync(
    join(bin, 'mariadb-dump'),
    `#!/bin/sh\nprintf '%s\\n' "$@" >${bin}/argv\nprintf '%s' "$MYSQL_PWD" >${bin}/pwd\n${sqlThread} >${bin}/sql-thread\necho 'mariadb-dump: Got error: 2013: Lost connection' >&2\nexit 2\n`,
    { mode: 0o755 },
  );
  const acts = mysqlActs(db, 'failing', { backup: { dir: backups, retain: 2, binDir: bin } });
  await expect(inActivity(acts.mysqlBackup, { cluster: 'failing', node: db.nodes[1], run: 'fails' })).rejects.toThrow(
    'mariadb-dump exited with 2: mariadb-dump: Got error: 2013: Lost connection',
  );
  expect(readFileSync(join(bin, 'sql-thread'), 'utf8').trim()).toBe('Slave_SQL_Running: No'); // paused for the dump
  const [status] = await query<{ Slave_IO_Running: string; Slave_SQL_Running: string }>(1, 'SHOW SLAVE STATUS');
  expect([status.Slave_IO_Running, status.Slave_SQL_Running]).toEqual(['Yes', 'Yes']); // and running again
  const argv = readFileSync(join(bin, 'argv'), 'utf8').split('\n');
  expect(argv).toEqual(expect.arrayContaining(['--no-defaults', '--single-transaction', '--gtid', '--master-data=2', '--user=mend', '--databases', 'appdb', 'shop']));
  expect(argv.join(' ')).not.toContain(db.users.mend);
  expect(readFileSync(join(bin, 'pwd'), 'utf8')).toBe(db.users.mend);
  expect(readdirSync(join(backups, 'failing'))).toEqual([]); // no partial dump, no pause note
});

test('a scratch server that an earlier attempt left running is killed and removed before the next one starts', async () => {
  const tools = findTools();
  const name = `test-${process.pid}`;
  const left = await ScratchServer.start(tools, name); // its worker "died": never stopped
  const next = await ScratchServer.start(tools, name).catch((err: unknown) => {
    process.kill(left.pid, 'SIGKILL'); // not left behind by a failed test
    throw err;
  });
  try {
    await waitFor(async () => !existsSync(`/proc/${left.pid}`), 'the left-over scratch server to be gone');
    const c = await next.connect();
    const [[row]] = (await c.query('SELECT 1 AS up')) as unknown as [[{ up: number }]];
    expect(row.up).toBe(1);
    await c.end();
  } finally {
    await next.stop();
  }
  expect(existsSync(next.dir)).toBe(false);
  expect(scratchProcesses(next.dir)).toEqual([]);
});

describe('a backup altered after it was taken', () => {
  let id: string;

  test('a retried backup step reuses the complete backup of its run', async () => {
    const acts = mysqlActs(db, 'tamper', { backup: { dir: backups, retain: 5 } });
    const input = { cluster: 'tamper', node: db.nodes[2], run: 'one-run' };
    const first = (await inActivity(acts.mysqlBackup, input)) as BackupRef;
    const again = await inActivity(acts.mysqlBackup, input);
    expect(again).toEqual({ ...first, reused: true });
    expect(readdirSync(join(backups, 'tamper')).sort()).toEqual([`${first.id}.json`, `${first.id}.sql`]);
    id = first.id;
  });

  test('an edited row fails the sha256 check; with the manifest rewritten to match, the restored checksums and row counts fail', async () => {
    const file = join(backups, 'tamper', `${id}.sql`);
    const dump = readFileSync(file, 'utf8');
    const tampered = dump.replace("'customer-7@example.com'", "'customer-7@example.org'").replace(/,\s*\(50,'item-50',[^)]*\)/, '');
    expect(tampered).toContain("'customer-7@example.org'");
    expect(tampered.length).toBeLessThan(dump.length - 10); // the row of item 50 is gone too
    writeFileSync(file, tampered);

    const rotten = await backupVerify({ cluster: 'tamper', backup: id });
    expect(rotten.status).not.toBe('recovered');
    expect(rotten.attempts[0]).toMatchObject({ status: 'failed', reason: `verification "backup ${id}: the dump file's sha256 matches its manifest" did not pass within 1s` });
    const manifest = manifestOf('tamper', id);
    expect(rotten.attempts[0].verifications[0].evidence).toMatchObject({ ok: false, expected: manifest.sha256, actual: expect.not.stringMatching(manifest.sha256) });
    expect(rotten.attempts[0].steps.map((s) => s.name)).toEqual([]); // nothing restored

    // Someone "fixes" the manifest: the sha256 now matches, but the data is not what was backed up.
    const acts = mysqlActs(db, 'tamper', { backup: { dir: backups, retain: 5 } });
    const now = await inActivity(acts.mysqlBackupIntact, { cluster: 'tamper', backup: id });
    writeFileSync(join(backups, 'tamper', `${id}.json`), JSON.stringify({ ...manifest, sha256: now.actual, bytes: now.bytes }));
    const forged = await backupVerify({ cluster: 'tamper', backup: id });
    expect(forged.status).not.toBe('recovered');
    expect(forged.attempts[0]).toMatchObject({
      status: 'failed',
      reason: `verification "backup ${id}: the restored tables' row counts and checksums match its manifest" did not pass within 1s`,
    });
    const restored = stepResult<RestoreCheck>(forged, /^restore backup /);
    const expected = Object.fromEntries(manifest.tables.map((t) => [`${t.database}.${t.table}`, t]));
    expect(restored.mismatches).toEqual([
      { table: 'appdb.customers', expected: { rows: 200, checksum: expected['appdb.customers'].checksum }, restored: { rows: 200, checksum: expect.any(String) } },
      { table: 'shop.items', expected: { rows: 50, checksum: expected['shop.items'].checksum }, restored: { rows: 49, checksum: expect.any(String) } },
    ]);
    expect(restored.mismatches[0].restored!.checksum).not.toBe(expected['appdb.customers'].checksum);
    expect(forged.attempts[0].verifications.map((v) => [v.name.replace(id, 'ID'), v.ok])).toEqual([
      ["backup ID: the dump file's sha256 matches its manifest", true],
      ["backup ID: the restored tables' row counts and checksums match its manifest", false],
    ]);
    expect(existsSync(restored.scratch.dir)).toBe(false);
    expect(scratchProcesses(restored.scratch.dir)).toEqual([]);
    expect(existsSync(join(backups, 'tamper', `${id}.verified`))).toBe(false); // not a backup to count on
  });
});

test('a retry after its worker died with the applier paused dates the data from the pause; a replica whose data has an unknown age is refused', async () => {
  const acts = mysqlActs(db, 'retry', { backup: { dir: backups } });
  const replica = await db.root(2);
  // Cut off from its source, the replica's lag is unknown: its data could be hours old.
  await replica.query('STOP SLAVE IO_THREAD');
  try {
    await expect(inActivity(acts.mysqlBackup, { cluster: 'retry', node: db.nodes[2], run: 'cut-off' })).rejects.toThrow(
      `${db.nodes[2]} is not connected to its source: the age of its data is unknown`,
    );
    const [untouched] = await query<{ Slave_SQL_Running: string }>(2, 'SHOW SLAVE STATUS');
    expect(untouched.Slave_SQL_Running).toBe('Yes'); // refused before pausing anything
    expect(await new BackupStore(backups, 'retry').paused(backupIdOf('cut-off'))).toBeUndefined();
  } finally {
    await replica.query('START SLAVE IO_THREAD');
  }
  await replica.query('STOP SLAVE SQL_THREAD');
  try {
    await expect(inActivity(acts.mysqlBackup, { cluster: 'retry', node: db.nodes[2], run: 'stopped-by-someone' })).rejects.toThrow(
      `${db.nodes[2]}'s applier was stopped before the backup: the age of its data is unknown`,
    );
    // The note an attempt leaves when its worker dies between pausing the applier and restarting it.
    const pausedAt = new Date(Date.now() - 3_600_000).toISOString();
    await new BackupStore(backups, 'retry').markPaused(backupIdOf('crashed'), { node: db.nodes[2], positionAt: pausedAt });
    const taken = (await inActivity(acts.mysqlBackup, { cluster: 'retry', node: db.nodes[2], run: 'crashed' })) as BackupRef;
    expect(taken.positionAt).toBe(pausedAt);
    const [status] = await query<{ Slave_SQL_Running: string }>(2, 'SHOW SLAVE STATUS');
    expect(status.Slave_SQL_Running).toBe('Yes'); // the retry restarted what the dead attempt paused
  } finally {
    await replica.query('START SLAVE SQL_THREAD');
    await replica.end();
  }
});

test('an aborted tool has exited by the time its run fails', async () => {
  const pidFile = join(scratchDir('tool-'), 'pid');
  const stop = new AbortController();
  const running = runTool('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`], { signal: stop.signal });
  const pid = await waitFor(async () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')), 'the tool to start');
  stop.abort();
  await expect(running).rejects.toThrow(/abort/i);
  expect(existsSync(`/proc/${pid}`)).toBe(false); // exited and reaped, not still running behind the failure
});
