// The failover's building blocks on a real MariaDB topology, driven by hand: kill -9 the primary while a writer
// runs, confirm it is dead, let the most advanced replica apply what it received, promote it, repoint the other.
// Every acknowledged row must be on the new primary. (The runbook that sequences them comes next.)
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MysqlClusters } from '../runbooks/mysql/actions/connections';
import { failoverActivities } from '../runbooks/mysql/actions/failover';
import { parseGtids } from '../runbooks/mysql/actions/gtid';
import { healthActivities } from '../runbooks/mysql/actions/health';
import { globalStatus, kill9, mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { root } from './helpers/processes';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let acts: ReturnType<typeof healthActivities> & ReturnType<typeof failoverActivities>;

beforeAll(async () => {
  db = await startMariadbTopology();
  const clusters = new MysqlClusters(mysqlConfig(db));
  acts = { ...healthActivities(clusters), ...failoverActivities(clusters) };
});
afterAll(async () => db?.stop());

const seqOf = (gtids: string) =>
  Math.max(
    0,
    ...parseGtids(gtids)
      .filter((g) => g.domain === 0)
      .map((g) => g.seq),
  );

test('kill -9 of the primary under writes: promote the most advanced replica, repoint the other, lose no acknowledged row', async () => {
  const setup = await db.root(0);
  await setup.query('CREATE TABLE appdb.orders (id INT PRIMARY KEY)');
  await setup.end();
  const [before] = await acts.mysqlServers({ cluster: 'default' });
  expect(before.semiSync).toEqual({ primaryEnabled: true, primaryOn: true, clients: 2 });

  const writer = await db.app(0);
  const acked: number[] = [];
  const writing = (async () => {
    for (let id = 1; ; id++) {
      try {
        await writer.query('INSERT INTO orders VALUES (?)', [id]);
      } catch {
        return;
      }
      acked.push(id);
    }
  })();
  await waitFor(async () => acked.length >= 200, '200 acknowledged rows');
  expect(await globalStatus(db, 0, 'Rpl_semi_sync_master_no_tx')).toBe('0'); // every commit so far waited for a replica: semi-sync never fell back to async
  kill9(db, 0);
  await writing;
  writer.destroy();

  const probe = await acts.mysqlProbe({ cluster: 'default', node: db.nodes[0], probes: 3, intervalMs: 100 });
  expect(probe).toMatchObject({ reachable: false, failures: 3 });
  const replicas = await waitFor(async () => {
    const s = (await acts.mysqlServers({ cluster: 'default' })).slice(1);
    return s.every((r) => r.reachable && r.replica && !r.replica.ioRunning) ? s : undefined;
  }, 'both replicas to see their IO thread broken');

  const [candidate, other] = [...replicas].sort((a, b) => seqOf(b.replica!.receivedGtids) - seqOf(a.replica!.receivedGtids));
  await acts.mysqlWaitApplied({ cluster: 'default', node: candidate.node, gtids: candidate.replica!.receivedGtids, withinSeconds: 10 });
  expect(await acts.mysqlPromote({ cluster: 'default', node: candidate.node })).toEqual({ changed: true });
  expect(await acts.mysqlPromote({ cluster: 'default', node: candidate.node })).toEqual({ changed: false });
  expect(await acts.mysqlReplicateFrom({ cluster: 'default', node: other.node, source: candidate.node })).toEqual({ changed: true });

  const primary = await db.app(db.nodes.indexOf(candidate.node));
  const [found] = (await primary.query('SELECT id FROM orders ORDER BY id')) as unknown as [{ id: number }[]];
  const have = new Set(found.map((r) => r.id));
  expect(acked.filter((id) => !have.has(id))).toEqual([]);
  await primary.query('INSERT INTO orders VALUES (?)', [1_000_000]);
  primary.destroy();
  const after = await waitFor(async () => {
    const s = await acts.mysqlServers({ cluster: 'default' });
    const o = s.find((x) => x.node === other.node)!;
    return o.replica?.ioRunning && o.executedGtids === s.find((x) => x.node === candidate.node)!.executedGtids ? s : undefined;
  }, 'the other replica to follow the new primary');
  expect(after.find((x) => x.node === candidate.node)).toMatchObject({ readOnly: false, replica: undefined, semiSync: { primaryEnabled: true, primaryOn: true, clients: 1 } });
  expect(after.find((x) => x.node === other.node)!.replica).toMatchObject({ source: candidate.node, sqlRunning: true });

  // The old primary comes back read-only: never a second writer.
  await promisify(execFile)('bash', [join(root, 'scripts', 'mariadb-cluster.sh'), 'up', db.dir, db.nodes[0].split(':')[1]]);
  const [returned] = await acts.mysqlServers({ cluster: 'default' });
  expect(returned).toMatchObject({ reachable: true, readOnly: true });
});
