// mysql-primary-failover on real MariaDB topologies (GTID, semi-sync AFTER_SYNC), one per case, under a writer that
// counts only acknowledged rows: kill -9 of the primary (reported by a MysqlDown alert through the gateway) loses none
// of them, a lagging replica is waited for, a primary that hangs for less than the detection window is left alone,
// an old primary with errant GTIDs is refused, and a failover that waited for approval looks again before acting.
import { decideAs } from './helpers/approvals';
import { join } from 'node:path';
import { defaultConfigPath, loadConfig } from '../config/load';
import { gatewayRoutes } from '../gateway/routes';
import type { RecoveryRecord } from '../common/types';
import { incidentStatusQuery } from '../workflows/definitions';
import { alertmanagerPayload } from './fixtures/alerts';
import { startGateway, type Gateway } from './helpers/gateway';
import { awaitApproval } from './helpers/incident';
import { createOrdersTable, missingRows, startWriter } from './helpers/db-writer';
import { expectLosslessSemiSync, kill9, mysqlActs, mysqlConfig, pidOf, promotedIn, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { root as projectRoot } from './helpers/processes';

const cases = ['killed', 'lagging', 'hung', 'approved'] as const;
const dbs = {} as Record<(typeof cases)[number], MariadbTopology>;
let mend: Mend;
let gateway: Gateway;

beforeAll(async () => {
  for (const name of cases) dbs[name] = await startMariadbTopology();
  const extra = (name: string) => (name === 'approved' ? { autoFailover: false } : {});
  mend = await startMend({ mysql: Object.assign({}, ...cases.map((name) => mysqlConfig(dbs[name], name, extra(name)))) });
  // The shipped route: its own severity, so the alert's "critical" does not bring the policy's approval.
  const shipped = gatewayRoutes(loadConfig(defaultConfigPath())).find((r) => r.name === 'mysql/mysql-down')!;
  gateway = await startGateway(mend.config, { routes: [shipped] });
  for (const name of cases) await createOrdersTable(dbs[name]);
});
afterAll(async () => {
  await gateway?.close();
  await mend?.stop();
  await Promise.all(Object.values(dbs).map((db) => db.stop()));
});

/** The probes' progress a running mysqlConfirmDead heartbeats in a runbook workflow. */
async function probeProgress(workflowId: string): Promise<{ probed: number; failures: number } | undefined> {
  const { raw } = await mend.client.workflow.getHandle(workflowId).describe();
  const probe = raw.pendingActivities?.find((a) => a.activityType?.name === 'mysqlConfirmDead');
  const [details] = probe?.heartbeatDetails?.payloads ?? [];
  return details?.data ? JSON.parse(Buffer.from(details.data).toString()) : undefined;
}

const failover = (cluster: string) => mend.run({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster } });

test('zero data loss: kill -9 of the primary, mend fails over, the writer resumes through the new endpoint', async () => {
  const db = dbs.killed;
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 300, '300 acknowledged rows');
  await expectLosslessSemiSync(db);
  kill9(db, 0);

  // MysqlDown from mysqld_exporter, as Alertmanager sends it, through the gateway and the shipped route.
  const alert = (status: 'firing' | 'resolved') =>
    alertmanagerPayload([{ status, labels: { alertname: 'MysqlDown', instance: 'mysqld-exporter-n1:9104', mysql_cluster: 'killed', severity: 'critical' } }]);
  const reply = await gateway.post('/alerts/alertmanager', alert('firing'));
  expect(reply.body.incidents).toEqual([expect.objectContaining({ runbook: 'mysql-primary-failover', target: 'mysql/killed' })]);
  const handle = gateway.client.workflow.getHandle(reply.body.incidents[0].incidentId);
  const { record } = await waitFor(async () => {
    const view = await handle.query(incidentStatusQuery);
    return view.record ? view : undefined;
  }, 'the failover');
  expect(record!.status).toBe('recovered');
  const steps = record!.attempts[0].steps.map((s) => s.name);
  expect(steps[0]).toMatch(/^wait until 127\.0\.0\.1:\d+ has applied 0-1-\d+$/);
  expect(steps[1]).toMatch(/^promote \S+$/);
  const promoted = promotedIn(record!);
  const other = db.nodes.find((n) => n !== db.nodes[0] && n !== promoted)!;
  expect(steps.slice(1)).toEqual([`promote ${promoted}`, `point ${other} at ${promoted}`, `fence ${db.nodes[0]}`, `switch the writer endpoint to ${promoted}`]);

  await gateway.post('/alerts/alertmanager', alert('resolved'));
  expect((await handle.result()).timeline.at(-1)).toMatchObject({ event: 'closed', detail: 'the alert resolved' });

  const resumedFrom = writer.acked.length;
  await waitFor(async () => writer.acked.length >= resumedFrom + 50, 'the writer to write 50 more rows');
  await writer.stop();
  expect(writer.writers).toEqual([db.nodes[0], promoted]);
  const { missing, rows } = await missingRows(db, writer.acked, promoted);
  expect(missing).toEqual([]);
  const replica = await db.root(db.nodes.indexOf(other));
  await waitFor(async () => {
    const [[count]] = (await replica.query('SELECT COUNT(*) AS n FROM appdb.orders')) as unknown as [[{ n: number }]];
    return Number(count.n) === rows;
  }, 'the other replica to have every row, from the new primary');
  await replica.end();

  // The old primary comes back read-only; holding a write the new primary never had, it is refused as a replica.
  await promisify(execFile)('bash', [join(projectRoot, 'scripts', 'mariadb-cluster.sh'), 'up', db.dir, db.nodes[0].split(':')[1]]);
  const acts = mysqlActs(db, 'killed');
  const [returned] = await acts.mysqlServers({ cluster: 'killed' });
  expect(returned).toMatchObject({ reachable: true, readOnly: true });
  const stray = await db.root(0);
  await stray.query('INSERT INTO appdb.orders VALUES (-1)'); // root bypasses read_only: an errant transaction
  await stray.end();
  await expect(acts.mysqlReplicateFrom({ cluster: 'killed', node: db.nodes[0], source: promoted })).rejects.toThrow(
    /has transactions .* never had \(0-1-\d+\): it has diverged; rebuild it/,
  );
});

test('a lagging replica: the failover waits until it has applied everything, and no row is lost', async () => {
  const db = dbs.lagging;
  for (const node of [1, 2]) {
    const root = await db.root(node);
    await root.query('STOP SLAVE SQL_THREAD'); // receives (and acknowledges) but does not apply
    await root.end();
  }
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 300, '300 acknowledged rows');
  await expectLosslessSemiSync(db);
  kill9(db, 0);
  await writer.stop();

  const record = await failover('lagging');
  expect(record.status).toBe('recovered');
  const promoted = promotedIn(record);
  expect((await missingRows(db, writer.acked, promoted)).missing).toEqual([]);
});

test('a hung primary fails a probe in 1 s; hung for less than the detection window, it is not failed over', async () => {
  const db = dbs.hung;
  const acts = mysqlActs(db, 'hung');
  const pid = pidOf(db, 0);
  process.kill(pid, 'SIGSTOP');
  try {
    const started = Date.now();
    const one = await acts.mysqlProbe({ cluster: 'hung', node: db.nodes[0], probes: 1 });
    expect(one).toMatchObject({ reachable: false, failures: 1, errors: [expect.stringMatching(/ETIMEDOUT/)] });
    expect(Date.now() - started).toBeLessThan(3000);

    const handle = await mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'hung' } });
    // The primary comes back once the runbook's first probe failed (the probe's heartbeat says so).
    await waitFor(async () => (await probeProgress(`${handle.workflowId}/mysql-primary-failover`))?.failures, 'a failed probe');
    process.kill(pid, 'SIGCONT');
    const record: RecoveryRecord = await handle.result();
    expect(record.status).toBe('not-needed');
    expect(record.reason).toMatch(/^primary 127\.0\.0\.1:\d+ answered [12] of 3 probes$/);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const servers = await acts.mysqlServers({ cluster: 'hung' });
  expect(servers[0]).toMatchObject({ readOnly: false, replica: undefined });
  expect(servers.slice(1).map((s) => s.replica?.source)).toEqual([db.nodes[0], db.nodes[0]]);
});

test('the candidate the approval named died meanwhile: the second look promotes the other replica, and says so', async () => {
  const db = dbs.approved;
  kill9(db, 0);
  const handle = await mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'approved' } });
  const asked = await awaitApproval(mend.client, handle);
  const proposed = asked.approval!.reason.match(/promote (\S+)\?/)![1];
  expect(db.nodes.slice(1)).toContain(proposed);
  const other = db.nodes.find((n) => n !== db.nodes[0] && n !== proposed)!;
  kill9(db, db.nodes.indexOf(proposed));
  await decideAs(handle, 'alice', { comment: 'go' });

  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(promotedIn(record)).toBe(other);
  expect(record.attempts[0].steps.map((s) => s.name)).toContain(`${other} is promoted, not ${proposed}: the second look after the approval found it holds the most`);
  const [now] = (await mysqlActs(db, 'approved').mysqlServers({ cluster: 'approved' })).filter((s) => s.node === other);
  expect(now).toMatchObject({ reachable: true, readOnly: false, replica: undefined });
});
