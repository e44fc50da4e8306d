// mysql-connection-surge on a real MariaDB primary (max_connections=100): a surge of long read-only statements, long
// writes (blocked on a row lock), a read inside a write transaction, young reads and idle connections. mend kills the
// long reads' connections and nothing else, usage drops below 80%, and the record lists exactly what it killed.
import type { Connection } from 'mysql2/promise';
import type { KillResult, SessionsPlan } from '../runbooks/mysql/actions/sessions';
import { readOnlyStatement } from '../runbooks/mysql/actions/sessions';
import { globalStatus, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;
let root: Connection;
const clients: Connection[] = [];

beforeAll(async () => {
  db = await startMariadbTopology();
  // Three names for the same servers: each incident has a guard (budget, cooldown) of its own.
  mend = await startMend({ mysql: { ...mysqlConfig(db, 'calm'), ...mysqlConfig(db, 'dry'), ...mysqlConfig(db, 'surge') } });
  root = await db.root(0);
  await root.query('CREATE TABLE appdb.counters (id INT PRIMARY KEY, n INT NOT NULL)');
  await root.query('INSERT INTO appdb.counters VALUES (1, 0)');
  await root.query('CREATE TABLE appdb.surge_log (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  // Server-side, a statement outlives its client's socket: end what is left.
  const [left] = (await root?.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app'")) ?? [[]];
  for (const { ID } of left as { ID: number }[]) await root.query('KILL CONNECTION ?', [ID]).catch(() => undefined);
  root?.destroy();
  await mend?.stop();
  await db?.stop();
});

/** `n` app connections on the primary, each with `setup` run on it. */
async function appConnections(n: number, setup: string[] = []): Promise<Connection[]> {
  const opened = await Promise.all(Array.from({ length: n }, () => db.app(0)));
  clients.push(...opened);
  for (const c of opened) for (const sql of setup) await c.query(sql);
  return opened;
}

/** Starts a statement and keeps its outcome: the value, or the error that ended it. */
const start = (c: Connection, sql: string) =>
  c.query(sql).then(
    () => 'done',
    (err: { code?: string }) => `error ${err.code}`,
  );

const processlist = async () => {
  const [list] = (await root.query('SELECT ID, USER, COMMAND, TIME, INFO FROM information_schema.PROCESSLIST')) as unknown as [
    { ID: number; USER: string; COMMAND: string; TIME: number; INFO: string | null }[],
  ];
  return list;
};
const alive = async (cs: Connection[]) => {
  const ids = new Set((await processlist()).map((p) => Number(p.ID)));
  return cs.filter((c) => ids.has(c.threadId));
};
const threadsConnected = async () => Number(await globalStatus(db, 0, 'Threads_connected'));
const ids = (cs: { threadId: number }[]) => cs.map((c) => c.threadId).sort((a, b) => a - b);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// A wide time budget: the young reads stay under it, with margin, while the incident starts.
const params = { olderThan: '10s', below: 0.8, verifyWithin: '20s' };
const surge = (cluster: string, dryRun = false) => mend.run({ runbook: 'mysql-connection-surge', severity: 'warning', params: { cluster, ...params }, dryRun });

test('read-only statements are told from writes and locking reads on their full text', () => {
  for (const sql of ['SELECT SLEEP(600)', '  /* report */ select * from t', '-- x\nSHOW PROCESSLIST', 'EXPLAIN SELECT 1', 'DESC t', 'SELECT /*!40001 SQL_NO_CACHE */ * FROM t']) {
    expect({ sql, readOnly: readOnlyStatement(sql) }).toEqual({ sql, readOnly: true });
  }
  for (const sql of [
    'UPDATE t SET a = 1',
    'INSERT INTO t SELECT SLEEP(5)',
    'SELECT * FROM t WHERE id = 1 FOR UPDATE',
    `SELECT * FROM t ${'x '.repeat(200)} LOCK IN SHARE MODE`,
    'select * from t for share',
    'SELECT a INTO @a FROM t',
    'SELECT * FROM t INTO OUTFILE "/tmp/x"',
    'EXPLAIN ANALYZE UPDATE t SET a = 1',
    '/*!50000 UPDATE t SET a = 1 */',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'CALL report()',
    '',
  ]) {
    expect({ sql, readOnly: readOnlyStatement(sql) }).toEqual({ sql, readOnly: false });
  }
});

test('usage below the threshold: not needed, nothing read or killed', async () => {
  const record = await surge('calm');
  expect(record.status).toBe('not-needed');
  expect(record.reason).toMatch(/^127\.0\.0\.1:\d+ has \d+ of 100 connections, below 80%$/);
  expect(record.attempts[0].steps).toEqual([]);
});

test('a surge: only long read-only statements are killed; writes, a read in a write transaction, young reads and idle connections stay', async () => {
  // 60 long reads, the surge.
  const readers = await appConnections(60);
  const reads = readers.map((c) => start(c, 'SELECT SLEEP(600)'));
  // A transaction that wrote a row and now runs a long read: killing it would roll the write back.
  const [holder] = await appConnections(1);
  await holder.query('BEGIN');
  await holder.query('UPDATE counters SET n = n + 100 WHERE id = 1');
  const holderRead = start(holder, 'SELECT SLEEP(600)');
  // Writes blocked on the holder's row lock; one of them an INSERT ... SELECT.
  const writers = await appConnections(5, ['SET SESSION innodb_lock_wait_timeout = 600']);
  const writes = [
    ...writers.slice(0, 4).map((c) => start(c, 'UPDATE counters SET n = n + 1 WHERE id = 1')),
    start(writers[4], 'INSERT INTO surge_log (v) SELECT n FROM counters WHERE id = 1 LOCK IN SHARE MODE'),
  ];
  const idle = await appConnections(15);
  const busy = [...readers, holder, ...writers];
  await waitFor(
    async () => {
      const list = await processlist();
      const long = new Set(list.filter((p) => p.COMMAND === 'Query' && p.TIME >= 11).map((p) => Number(p.ID)));
      return busy.every((c) => long.has(c.threadId));
    },
    'every reader and writer to run 11 s',
    30_000,
  );
  expect(await threadsConnected()).toBeGreaterThan(80);

  // Dry-run: the plan names exactly the long reads, and nothing is killed.
  const dry = await surge('dry', true);
  expect(dry.status).toBe('planned');
  const [plan, dryKill] = dry.attempts[0].steps;
  expect(plan.name).toMatch(/^capture the processlist of 127\.0\.0\.1:\d+ \(\d+ of 100 connections\)$/);
  expect(sorted((plan.result as SessionsPlan).kill.map((v) => v.id))).toEqual(ids(readers));
  expect((plan.result as SessionsPlan).kept).toMatchObject({ 'not read-only': 5, 'in a transaction that wrote or locked rows': 1, 'replication or system thread': 2 });
  expect(sorted((dryKill.result as KillResult).wouldKill.map((v) => v.id))).toEqual(ids(readers));
  expect((dryKill.result as KillResult).killed).toEqual([]);
  expect(ids(await alive([...busy, ...idle]))).toEqual(ids([...busy, ...idle]));

  // Young reads: under the time budget when mend plans.
  const young = await appConnections(3);
  const youngReads = young.map((c) => start(c, 'SELECT SLEEP(600)'));
  const dumps = (await processlist()).filter((p) => p.COMMAND.startsWith('Binlog Dump')).map((p) => Number(p.ID));
  expect(dumps).toHaveLength(2);

  const record = await surge('surge');
  expect(record.status).toBe('recovered');
  const [, kill] = record.attempts[0].steps;
  expect(kill).toMatchObject({ name: expect.stringMatching(/^kill 60 read-only statements running 10s or longer on 127\.0\.0\.1:\d+$/), status: 'done' });
  const killed = (kill.result as KillResult).killed;
  expect(sorted(killed.map((k) => k.id))).toEqual(ids(readers));
  for (const k of killed) expect(k).toEqual({ id: k.id, user: 'app', seconds: expect.any(Number), query: 'SELECT SLEEP(600)' });
  expect(Math.min(...killed.map((k) => k.seconds))).toBeGreaterThanOrEqual(11);
  expect(kill.result).toMatchObject({ wouldKill: [], gone: [], changed: [] });

  // On the server: the readers' connections are gone, everything else is alive, usage is below 80%.
  await waitFor(async () => (await alive(readers)).length === 0, 'the killed connections to end'); // KILL is asynchronous
  for (const r of reads) expect(await r).toMatch(/^error /);
  const kept = [holder, ...writers, ...idle, ...young];
  expect(ids(await alive(kept))).toEqual(ids(kept));
  expect((await processlist()).filter((p) => p.COMMAND.startsWith('Binlog Dump')).map((p) => Number(p.ID))).toEqual(dumps);
  expect(await threadsConnected()).toBeLessThan(80);
  expect(record.attempts[0].verifications[0]).toMatchObject({ ok: true, evidence: { maxConnections: 100 } });

  // The held transaction commits, every blocked write completes, and the idle connections answer.
  await root.query('KILL QUERY ?', [holder.threadId]);
  expect(await holderRead).toMatch(/^(done|error ER_QUERY_INTERRUPTED)$/);
  await holder.query('COMMIT');
  expect(await Promise.all(writes)).toEqual(['done', 'done', 'done', 'done', 'done']);
  const [[counter]] = (await root.query('SELECT n FROM appdb.counters WHERE id = 1')) as unknown as [[{ n: number }]];
  expect(counter.n).toBe(104);
  const [logged] = (await root.query('SELECT v FROM appdb.surge_log')) as unknown as [{ v: number }[]];
  expect(logged).toHaveLength(1);
  for (const c of idle) {
    const [[row]] = (await c.query('SELECT 1 AS one')) as unknown as [[{ one: number }]];
    expect(row.one).toBe(1);
  }
  for (const c of young) await root.query('KILL QUERY ?', [c.threadId]);
  await Promise.all(youngReads);
});
