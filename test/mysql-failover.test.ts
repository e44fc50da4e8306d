// mysql-primary-failover on a real MariaDB topology (GTID, semi-sync AFTER_SYNC): kill -9 of the primary under a
// writer that counts only acknowledged rows. mend fails over; every acknowledged row is on the new primary, the
// other replica follows it, and the writer resumes through the switched writer endpoint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWriter } from './helpers/db-writer';
import { mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;

beforeAll(async () => {
  db = await startMariadbTopology();
  mend = await startMend({ mysql: mysqlConfig(db) });
  const root = await db.root(0);
  await root.query('CREATE TABLE appdb.orders (id INT PRIMARY KEY)');
  await root.end();
});
afterAll(async () => {
  await mend?.stop();
  await db?.stop();
});

const statusOf = async (node: number, name: string) => {
  const root = await db.root(node);
  const [[row]] = (await root.query('SHOW GLOBAL STATUS LIKE ?', [name])) as unknown as [[{ Value: string }]];
  await root.end();
  return row.Value;
};

test('zero data loss: kill -9 of the primary, mend fails over, the writer resumes through the new endpoint', async () => {
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 300, '300 acknowledged rows');
  expect(await statusOf(0, 'Rpl_semi_sync_master_status')).toBe('ON');
  expect(await statusOf(0, 'Rpl_semi_sync_master_no_tx')).toBe('0'); // no commit fell back to async
  process.kill(Number(readFileSync(join(db.dir, 'n1.pid'), 'utf8')), 'SIGKILL');

  const record = await mend.run({ runbook: 'mysql-primary-failover', severity: 'warning', params: {} });
  expect(record.status).toBe('recovered');
  const steps = record.attempts[0].steps.map((s) => s.name);
  expect(steps[0]).toMatch(/^wait until 127\.0\.0\.1:\d+ has applied 0-1-\d+$/);
  const promoted = /^promote (\S+)$/.exec(steps[1])![1];
  const other = db.nodes.find((n) => n !== db.nodes[0] && n !== promoted)!;
  expect(steps.slice(1)).toEqual([`promote ${promoted}`, `point ${other} at ${promoted}`, `fence ${db.nodes[0]}`, `switch the writer endpoint to ${promoted}`]);

  const resumedFrom = writer.acked.length;
  await waitFor(async () => writer.acked.length >= resumedFrom + 50, 'the writer to write 50 more rows');
  await writer.stop();
  expect(writer.writers).toEqual([db.nodes[0], promoted]);

  const app = await db.app(db.nodes.indexOf(promoted));
  const [rows] = (await app.query('SELECT id FROM orders')) as unknown as [{ id: number }[]];
  app.destroy();
  const have = new Set(rows.map((r) => r.id));
  expect(writer.acked.filter((id) => !have.has(id))).toEqual([]);
  // The other replica has every row too, replicated from the new primary.
  const replica = await db.root(db.nodes.indexOf(other));
  await waitFor(async () => {
    const [[count]] = (await replica.query('SELECT COUNT(*) AS n FROM appdb.orders')) as unknown as [[{ n: number }]];
    return Number(count.n) === rows.length;
  }, 'the other replica to have every row');
  await replica.end();
});
