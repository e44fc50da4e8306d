// mysql-switchover on a real MariaDB topology under a writer that counts only acknowledged rows: the default policy
// asks for approval (high risk), the old primary goes read-only, the new one catches up and is promoted, the old one
// becomes its replica, the writer follows the endpoint, and no acknowledged row is lost.
import { decideAs } from './helpers/approvals';
import { join } from 'node:path';
import type { RecoveryRecord } from '../common/types';
import { createOrdersTable, missingRows, startWriter } from './helpers/db-writer';
import { awaitApproval } from './helpers/incident';
import { expectLosslessSemiSync, mysqlActs, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;

beforeAll(async () => {
  db = await startMariadbTopology();
  mend = await startMend({ mysql: mysqlConfig(db, 'planned') });
  await createOrdersTable(db);
});
afterAll(async () => {
  await mend?.stop();
  await db?.stop();
});

test('planned switchover: approved, no acknowledged row lost, the old primary follows the new one', async () => {
  const acts = mysqlActs(db, 'planned');
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 200, '200 acknowledged rows');
  await expectLosslessSemiSync(db);

  const to = db.nodes[2];
  // The new primary has purged its older binlogs, as production servers do: the old primary must rejoin from its
  // own position, not ask for the binlog from the start.
  const target = await db.root(2);
  await target.query('FLUSH BINARY LOGS');
  const [[{ File: current }]] = (await target.query('SHOW MASTER STATUS')) as unknown as [[{ File: string }]];
  await target.query('PURGE BINARY LOGS TO ?', [current]);
  await target.end();
  const handle = await mend.start({ runbook: 'mysql-switchover', severity: 'warning', params: { cluster: 'planned', to } });
  const asked = await awaitApproval(mend.client, handle);
  expect(asked.approval!.reason).toMatch(/high-risk runbook/);
  expect((await acts.mysqlServers({ cluster: 'planned' }))[0]).toMatchObject({ readOnly: false, replica: undefined }); // nothing done yet
  await decideAs(handle, 'alice', { comment: 'maintenance window' });

  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  const attempt = record.attempts[0];
  expect(attempt.approvals).toEqual([expect.objectContaining({ by: 'alice', decision: 'approve', accepted: true, comment: 'maintenance window' })]);
  expect(attempt.steps.map((s) => s.name)).toEqual([
    `make ${db.nodes[0]} read-only`,
    expect.stringMatching(new RegExp(`^wait until ${to} has applied 0-1-\\d+$`)),
    `promote ${to}`,
    `point ${db.nodes[1]} at ${to}`,
    `point ${db.nodes[0]} at ${to}`,
    `switch the writer endpoint to ${to}`,
  ]);

  const resumedFrom = writer.acked.length;
  await waitFor(async () => writer.acked.length >= resumedFrom + 50, 'the writer to write 50 more rows');
  await writer.stop();
  expect(writer.writers).toEqual([db.nodes[0], to]);

  expect((await missingRows(db, writer.acked, to)).missing).toEqual([]);

  // The old primary is a read-only replica of the new one, with every row.
  const servers = await waitFor(async () => {
    const s = await acts.mysqlServers({ cluster: 'planned' });
    return s.every((x) => x.node === to || x.executedGtids === s[2].executedGtids) ? s : undefined;
  }, 'both replicas to catch up with the new primary');
  expect(servers[2]).toMatchObject({ readOnly: false, replica: undefined, semiSync: { primaryOn: true } });
  for (const old of [servers[0], servers[1]]) {
    expect(old).toMatchObject({ readOnly: true, replica: { source: to, ioRunning: true, sqlRunning: true } });
  }
});

test('a switchover is refused while a replica is broken, and changes nothing', async () => {
  const acts = mysqlActs(db, 'planned');
  const before = await acts.mysqlServers({ cluster: 'planned' });
  const replica = await db.root(1);
  await replica.query('STOP SLAVE');
  try {
    const record = await mend.run({ runbook: 'mysql-switchover', severity: 'warning', params: { cluster: 'planned' } });
    expect(record.status).toBe('escalated');
    expect(record.attempts[0]).toMatchObject({ status: 'refused', steps: [] });
    expect(record.attempts[0].reason).toMatch(/^replicas not replicating from 127\.0\.0\.1:\d+: 127\.0\.0\.1:\d+$/);
    const after = await acts.mysqlServers({ cluster: 'planned' });
    expect(after.map((s) => [s.node, s.readOnly])).toEqual(before.map((s) => [s.node, s.readOnly]));
  } finally {
    await replica.query('START SLAVE');
    await replica.end();
  }
});

test('a switchover whose candidate cannot catch up in time is undone: the old primary takes writes again', async () => {
  const acts = mysqlActs(db, 'planned');
  const primary = (await acts.mysqlServers({ cluster: 'planned' })).find((s) => !s.replica && !s.readOnly)!.node;
  const candidate = db.nodes.find((n) => n !== primary)!;
  const lagging = await db.root(db.nodes.indexOf(candidate));
  await lagging.query('STOP SLAVE');
  await lagging.query('CHANGE MASTER TO MASTER_DELAY = 3600'); // receives at once, applies an hour later
  await lagging.query('START SLAVE');
  const app = await db.app(db.nodes.indexOf(primary));
  await app.query('INSERT INTO orders VALUES (?)', [9_000_001]);
  try {
    const handle = await mend.start({ runbook: 'mysql-switchover', severity: 'warning', params: { cluster: 'planned', to: candidate, catchUpWithin: '2s' } });
    await awaitApproval(mend.client, handle);
    await decideAs(handle, 'alice', { comment: 'try it' });
    const record: RecoveryRecord = await handle.result();
    expect(record.status).toBe('escalated');
    expect(record.attempts[0].steps.map((s) => [s.name, s.status])).toEqual([
      [`make ${primary} read-only`, 'undone'],
      [expect.stringMatching(new RegExp(`^wait until ${candidate} has applied`)), 'failed'],
    ]);
    await app.query('INSERT INTO orders VALUES (?)', [9_000_002]); // writable again
    expect((await acts.mysqlServers({ cluster: 'planned' })).find((s) => s.node === candidate)).toMatchObject({ readOnly: true, replica: { source: primary } });
  } finally {
    app.destroy();
    await lagging.query('STOP SLAVE');
    await lagging.query('CHANGE MASTER TO MASTER_DELAY = 0');
    await lagging.query('START SLAVE');
    await lagging.end();
  }
});
