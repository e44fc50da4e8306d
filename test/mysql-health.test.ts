// Health and diagnosis activities on a real MariaDB topology (a primary, two replicas, GTID, semi-sync AFTER_SYNC),
// read through mend's least-privilege `mend` user.
import { MysqlClusters } from '../runbooks/mysql/actions/connections';
import { dialectOf } from '../runbooks/mysql/actions/dialect';
import { errantGtids } from '../runbooks/mysql/actions/gtid';
import { healthActivities } from '../runbooks/mysql/actions/health';
import { kill9, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let health: ReturnType<typeof healthActivities>;

beforeAll(async () => {
  db = await startMariadbTopology();
  health = healthActivities(new MysqlClusters(mysqlConfig(db)));
});
afterAll(async () => db?.stop());

test('reads the topology: the writable primary with semi-sync on, and two replicas applying from it', async () => {
  const root = await db.root(0);
  await root.query('CREATE TABLE IF NOT EXISTS appdb.seen (id INT PRIMARY KEY)');
  await root.query('INSERT INTO appdb.seen VALUES (1)');
  await root.end();

  const servers = await waitFor(async () => {
    const s = await health.mysqlServers({ cluster: 'default' });
    return new Set(s.map((x) => x.executedGtids)).size === 1 ? s : undefined;
  }, 'the replicas to apply the insert');
  const [primary, r1, r2] = servers;
  expect(primary).toMatchObject({ node: db.nodes[0], reachable: true, flavor: 'mariadb', serverId: 1, readOnly: false, replica: undefined });
  expect(primary.version).toMatch(/MariaDB/);
  expect(primary.semiSync).toEqual({ primaryEnabled: true, primaryOn: true, clients: 2 });
  for (const [i, r] of [r1, r2].entries()) {
    expect(r).toMatchObject({ reachable: true, serverId: i + 2, readOnly: true });
    expect(r.replica).toMatchObject({ source: db.nodes[0], ioRunning: true, sqlRunning: true, lastIoErrno: 0, lagSeconds: 0 });
    expect(r.replica!.receivedGtids).toBe(primary.executedGtids);
  }
});

test('a write made on a replica is found as an errant transaction', async () => {
  expect(await health.mysqlErrantGtids({ cluster: 'default', replica: db.nodes[2], primary: db.nodes[0] })).toEqual([]);
  const root = await db.root(2);
  await root.query('CREATE TABLE appdb.stray (id INT PRIMARY KEY)'); // root may write despite read_only
  await root.end();
  const errant = await health.mysqlErrantGtids({ cluster: 'default', replica: db.nodes[2], primary: db.nodes[0] });
  expect(errant).toEqual([expect.stringMatching(/^0-3-\d+$/)]);
  expect(await health.mysqlErrantGtids({ cluster: 'default', replica: db.nodes[1], primary: db.nodes[0] })).toEqual([]);
});

test('connections against max_connections, with the longest statements first; a statement with a password is hidden', async () => {
  const sleepers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => db.app(0)));
  const running = sleepers.slice(0, 4).map((c) => c.query('SELECT SLEEP(3)').catch(() => undefined));
  running.push(sleepers[4].query("SELECT SLEEP(3), PASSWORD('s3cret-pw')").catch(() => undefined));
  running.push(sleepers[5].query("SELECT SLEEP(3) AS MASTER_PASSWORD, 's3cret-pw2'").catch(() => undefined)); // as CHANGE MASTER shows it
  const use = await waitFor(async () => {
    const u = await health.mysqlConnections({ cluster: 'default', node: db.nodes[0] });
    return u.top.filter((p) => p.query === 'SELECT SLEEP(3)').length === 4 && sleepers.slice(4).every((s) => u.top.some((p) => p.id === s.threadId)) ? u : undefined;
  }, 'the sleeping statements to show');
  expect(use.maxConnections).toBe(100);
  expect(use.connected).toBeGreaterThanOrEqual(5);
  expect(use.ratio).toBeCloseTo(use.connected / 100);
  expect(use.top.find((p) => p.query === 'SELECT SLEEP(3)')).toMatchObject({ user: 'app', db: 'appdb', command: 'Query' });
  for (const s of sleepers.slice(4)) expect(use.top.find((p) => p.id === s.threadId)).toMatchObject({ query: '(hidden: it may carry a password)' });
  expect(JSON.stringify(use)).not.toContain('s3cret-pw');
  for (const c of sleepers) c.destroy();
  await Promise.all(running);
});

test('a stopped server fails every probe, fast; a live one passes; a stranger is refused', async () => {
  kill9(db, 2);
  const started = Date.now();
  const dead = await health.mysqlProbe({ cluster: 'default', node: db.nodes[2], probes: 3, intervalMs: 10 });
  expect(dead).toMatchObject({ reachable: false, failures: 3, probes: 3 });
  expect(dead.errors[0]).toMatch(/ECONNREFUSED|ECONNRESET/); // refused, or reset by the dying server
  expect(Date.now() - started).toBeLessThan(3000);
  expect(await health.mysqlProbe({ cluster: 'default', node: db.nodes[1], probes: 2, intervalMs: 10 })).toMatchObject({ reachable: true, failures: 0 });
  await expect(health.mysqlProbe({ cluster: 'default', node: '127.0.0.1:1' })).rejects.toThrow(/not a server of MySQL cluster "default"/);
  const servers = await health.mysqlServers({ cluster: 'default' });
  expect(servers[2]).toMatchObject({ node: db.nodes[2], reachable: false, error: expect.stringMatching(/ECONNREFUSED|ECONNRESET/) });
});

test("a failed statement's error does not carry its values (a password would reach the worker's log)", async () => {
  const clusters = new MysqlClusters(mysqlConfig(db));
  const failed = await clusters.on('default', db.nodes[0], (c) => c.query('SELECT ? FROM appdb.no_such_table', ['s3cret-value'])).catch((err: unknown) => err);
  expect(failed).toMatchObject({ code: 'ER_NO_SUCH_TABLE' });
  expect(JSON.stringify(failed)).not.toContain('s3cret-value');
});

test("mend's account reads no password hashes and changes no application data", async () => {
  const clusters = new MysqlClusters(mysqlConfig(db));
  const as = (sql: string) => clusters.on('default', db.nodes[0], (c) => c.query(sql)).catch((err: { code?: string }) => err.code);
  expect(await as('SELECT COUNT(*) FROM mysql.global_priv')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  expect(await as('CREATE TABLE appdb.mend_was_here (id INT)')).toBe('ER_TABLEACCESS_DENIED_ERROR');
  expect(await as('DELETE FROM appdb.counters')).toBe('ER_TABLEACCESS_DENIED_ERROR');
});

test('the flavor comes from SELECT VERSION(); GTID state comparisons are per domain and server', () => {
  expect(dialectOf('10.11.19-MariaDB-0+deb12u1').flavor).toBe('mariadb');
  expect(dialectOf('8.0.36').flavor).toBe('mysql');
  expect(dialectOf('8.0.36').replicaStatus).toBe('SHOW REPLICA STATUS');
  // MySQL 8's statements behind the same interface (MariaDB's run for real in every failover test).
  const mysql8 = dialectOf('8.0.36');
  expect([mysql8.executedGtids, mysql8.waitForGtids, mysql8.startReplica(['sql']), mysql8.stopReplica(['sql']), mysql8.resetReplicaAll]).toEqual([
    'SELECT @@GLOBAL.gtid_executed AS gtids',
    'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS waited',
    'START REPLICA SQL_THREAD',
    'STOP REPLICA SQL_THREAD',
    'RESET REPLICA ALL',
  ]);
  expect(mysql8.changeSource).toMatch(/^CHANGE REPLICATION SOURCE TO SOURCE_HOST = \?, .*SOURCE_AUTO_POSITION = 1/);
  expect(mysql8.setReadOnly(true)).toEqual(['SET GLOBAL super_read_only = 1']);
  expect(mysql8.ioRunning({ Replica_IO_Running: 'Yes' } as never)).toBe(true);
  expect(errantGtids('0-1-100,0-2-7', '0-1-100,0-2-7')).toEqual([]);
  expect(errantGtids('0-1-105', '0-1-100,0-2-3')).toEqual(['0-1-105']);
  expect(errantGtids('0-1-90,1-3-4', '0-1-100')).toEqual(['1-3-4']);
});
