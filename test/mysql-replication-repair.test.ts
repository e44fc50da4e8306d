// mysql-replication-repair on a real MariaDB topology (a primary, two GTID replicas, semi-sync): a replica stopped
// while the primary takes writes is restarted and catches up; a replica with an errant transaction, and one whose SQL
// thread stopped on a duplicate key, are left exactly as they were and go to people with the evidence.
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import type { CaughtUp } from '../runbooks/mysql/actions/replication';
import { createOrdersTable, startWriter } from './helpers/db-writer';
import { mysqlActs, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;
const roots: Connection[] = [];
const names = ['healthy', 'dry', 'stopped', 'delayed', 'errant', 'diverged'];

beforeAll(async () => {
  db = await startMariadbTopology();
  // One name per case for the same servers: each incident has a guard (budget, cooldown) of its own.
  mend = await startMend({ mysql: Object.assign({}, ...names.map((name) => mysqlConfig(db, name))) });
  for (const i of [0, 1, 2]) roots.push(await db.root(i));
  await createOrdersTable(db);
});
afterAll(async () => {
  for (const c of roots) c.destroy();
  await mend?.stop();
  await db?.stop();
});

const repair = (cluster: string, params: Record<string, unknown> = {}, dryRun = false) =>
  mend.run({ runbook: 'mysql-replication-repair', severity: 'warning', params: { cluster, verifyWithin: '30s', ...params }, dryRun });

interface Status {
  Slave_IO_Running: string;
  Slave_SQL_Running: string;
  Last_IO_Errno: number;
  Last_SQL_Errno: number;
}
const status = async (node: number): Promise<Status> => {
  const [[s]] = (await roots[node].query('SHOW SLAVE STATUS')) as unknown as [[Status]];
  return { Slave_IO_Running: s.Slave_IO_Running, Slave_SQL_Running: s.Slave_SQL_Running, Last_IO_Errno: s.Last_IO_Errno, Last_SQL_Errno: s.Last_SQL_Errno };
};
const gtidPos = async (node: number, variable: string) => {
  const [[row]] = (await roots[node].query(`SELECT @@GLOBAL.${variable} AS pos`)) as unknown as [[{ pos: string }]];
  return row.pos;
};

test('every replica runs: not needed', async () => {
  const record = await repair('healthy');
  expect(record.status).toBe('not-needed');
  expect(record.reason).toBe('every replica of healthy runs both replication threads');
});

test('a replica stopped while the primary takes writes is restarted, catches up, and is verified', async () => {
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  try {
    await waitFor(async () => writer.acked.length >= 50, '50 acknowledged rows');
    await roots[1].query('STOP SLAVE');
    const stoppedAt = writer.acked.length;
    await waitFor(async () => writer.acked.length >= stoppedAt + 200, 'the primary to take 200 rows the replica misses');

    // Dry-run: plans the start, starts nothing.
    const plan = await repair('dry', {}, true);
    expect(plan.status).toBe('planned');
    expect(plan.attempts[0].steps[0]).toMatchObject({ status: 'planned', result: { started: ['io', 'sql'] } });
    expect(await status(1)).toMatchObject({ Slave_IO_Running: 'No', Slave_SQL_Running: 'No' });

    const beforeRepair = writer.acked.length;
    const record = await repair('stopped');
    expect(record.status).toBe('recovered');
    const [attempt] = record.attempts;
    expect(attempt.steps).toMatchObject([
      { name: `start replication on ${db.nodes[1]} (IO thread stopped, SQL thread stopped: transient)`, status: 'done', result: { started: ['io', 'sql'] } },
    ]);
    const [evidence] = attempt.verifications[0].evidence as CaughtUp[];
    expect(evidence).toMatchObject({ node: db.nodes[1], source: db.nodes[0], caughtUp: true, io: { running: true }, sql: { running: true } });
    expect(writer.acked.length).toBeGreaterThan(beforeRepair); // the primary kept taking writes during the repair
  } finally {
    await writer.stop();
  }
  // On the server: both threads run, and the replica has every acknowledged row.
  expect(await status(1)).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' });
  const primaryPos = await gtidPos(0, 'gtid_binlog_pos');
  await waitFor(async () => (await gtidPos(1, 'gtid_slave_pos')) === primaryPos, 'the replica to apply the last writes');
  const [[count]] = (await roots[1].query('SELECT COUNT(*) AS n FROM appdb.orders')) as unknown as [[{ n: number }]];
  expect(Number(count.n)).toBeGreaterThanOrEqual(writer.acked.length);

  // Idempotent: running again starts nothing.
  const acts = mysqlActs(db, 'stopped');
  expect(await acts.mysqlStartReplication({ cluster: 'stopped', node: db.nodes[1] })).toEqual({ started: [] });
});

test('a restarted replica that does not catch up fails verification', async () => {
  await roots[2].query('STOP SLAVE');
  await roots[2].query('CHANGE MASTER TO MASTER_DELAY = 3600'); // runs, but applies nothing for an hour
  await roots[0].query('INSERT INTO appdb.orders VALUES (-3)');

  const record = await repair('delayed', { verifyWithin: '3s' });
  expect(record.attempts[0]).toMatchObject({ status: 'failed', steps: [{ status: 'done', result: { started: ['io', 'sql'] } }] });
  const [evidence] = record.attempts[0].verifications[0].evidence as CaughtUp[];
  expect(evidence).toMatchObject({ node: db.nodes[2], caughtUp: false, io: { running: true }, sql: { running: true } });

  await roots[2].query('STOP SLAVE');
  await roots[2].query('CHANGE MASTER TO MASTER_DELAY = 0');
  await roots[2].query('START SLAVE');
  const primaryPos = await gtidPos(0, 'gtid_binlog_pos');
  await waitFor(async () => (await gtidPos(2, 'gtid_slave_pos')) === primaryPos, 'the replica to catch up without its delay');
});

test('a replica with an errant transaction is not repaired: escalated with the errant GTID, threads left as they were', async () => {
  await roots[2].query('STOP SLAVE');
  await roots[2].query('INSERT INTO appdb.orders VALUES (-1)'); // root bypasses read_only: an errant transaction
  const errant = await gtidPos(2, 'gtid_binlog_pos');
  expect(errant).toMatch(/^0-3-\d+$/);
  const before = await status(2);

  const record = await repair('errant');
  expect(record.status).toBe('escalated');
  expect(record.reason).toContain(`errant GTIDs ${errant}`);
  expect(record.attempts[0].status).toBe('needs-people');
  expect(record.attempts[0].steps.map((s) => s.name)).toEqual([
    `${db.nodes[2]} (diverged): IO thread stopped, SQL thread stopped; errant GTIDs ${errant}: transactions its source ${db.nodes[0]} never had`,
  ]);
  expect(await status(2)).toEqual(before);
  expect(before).toMatchObject({ Slave_IO_Running: 'No', Slave_SQL_Running: 'No' });
});

test('a replica whose SQL thread stopped on a duplicate key is not repaired: escalated with errno 1062', async () => {
  await roots[1].query('SET SESSION sql_log_bin = 0');
  await roots[1].query('INSERT INTO appdb.orders VALUES (-2)'); // on the replica only, with no GTID
  await roots[1].query('SET SESSION sql_log_bin = 1');
  await roots[0].query('INSERT INTO appdb.orders VALUES (-2)');
  await waitFor(async () => (await status(1)).Last_SQL_Errno === 1062, 'the SQL thread to stop on the duplicate key');
  const before = await status(1);
  expect(before).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'No' });

  const record = await repair('diverged', { replica: db.nodes[1] });
  expect(record.status).toBe('escalated');
  expect(record.reason).toMatch(
    new RegExp(
      `^replication not repaired: ${db.nodes[1].replace(/\./g, '\\.')} \\(diverged\\): IO thread running, SQL thread stopped with error 1062 \\(.*Duplicate entry '-2'.*\\): its data has diverged from the source$`,
    ),
  );
  expect(record.attempts[0].steps).toHaveLength(1);
  expect(await status(1)).toEqual(before);
});
