// Anti-flapping and hooks on a real MariaDB topology: a failover blocks the next one on its cluster; a second failure
// inside the block window waits for a human (shown in the incident, its runbook and the guard); an allowed approver
// lifts the block by signal and the failover goes on, even when the lift comes before the failover asks; pre- and
// post-failover hooks run around each failover.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecoveryRecord } from '../common/types';
import type { WorkflowHandle } from '@temporalio/client';
import { blockLiftedSignal, guardStateQuery, guardWorkflowId, incidentStatusQuery, runbookApprovalSignal } from '../workflows/definitions';
import { runCli } from './helpers/cli';
import { startOperators, type Operators } from './helpers/operators';
import { createOrdersTable, missingRows, startWriter } from './helpers/db-writer';
import { FaultPlan } from './helpers/faults';
import { awaitApproval } from './helpers/incident';
import { kill9, mysqlActs, mysqlConfig, promotedIn, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let early: MariadbTopology;
let mend: Mend;
let ops: Operators;
let hookLog: string;
const faults = new FaultPlan();

beforeAll(async () => {
  [db, early] = [await startMariadbTopology(), await startMariadbTopology()];
  hookLog = join(db.dir, 'hooks.log');
  const logHook = ['sh', '-c', `echo "$MEND_HOOK $MEND_EVENT $MEND_OLD_PRIMARY $MEND_NEW_PRIMARY" >> ${hookLog}`];
  mend = await startMend({
    faults,
    mysql: {
      ...mysqlConfig(db, 'flap', { blockAfterFailover: '1h', hooks: { preFailover: [logHook], postFailover: [logHook, ['false']] } }),
      ...mysqlConfig(early, 'early', { blockAfterFailover: '1h' }),
    },
  });
  ops = await startOperators(mend.config);
  await createOrdersTable(db);
});
afterAll(async () => {
  await ops?.stop();
  await mend?.stop();
  await Promise.all([db?.stop(), early?.stop()]);
});

const guard = (cluster = 'flap') => mend.client.workflow.getHandle(guardWorkflowId(`mysql/${cluster}`));
const failover = (cluster = 'flap', params: Record<string, unknown> = {}) => mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster, ...params } });

test('a second failure inside the block window waits for a human; lifting the block lets the failover go on', async () => {
  const acts = mysqlActs(db, 'flap');
  const writer = startWriter(join(db.dir, 'writer.json'), db.users.app);
  await waitFor(async () => writer.acked.length >= 100, '100 acknowledged rows');

  kill9(db, 0);
  const first: RecoveryRecord = await (await failover()).result();
  expect(first.status).toBe('recovered');
  const second = promotedIn(first);
  const last = db.nodes.find((n) => n !== db.nodes[0] && n !== second)!;
  expect(readFileSync(hookLog, 'utf8').trim().split('\n')).toEqual([`preFailover failover ${db.nodes[0]} ${second}`, `postFailover failover ${db.nodes[0]} ${second}`]);
  expect(first.attempts[0].steps.map((s) => s.name)).toContain('postFailover hook false failed: exited 1');
  const blocked = await guard().query(guardStateQuery);
  expect(blocked.blocks).toEqual([{ runbook: 'mysql-primary-failover', until: expect.any(String), reason: `failed over from ${db.nodes[0]} to ${second}` }]);
  expect(Date.parse(blocked.blocks[0].until) - Date.now()).toBeGreaterThan(55 * 60_000);

  // The new primary dies too, within the hour: no automatic failover.
  const resumedFrom = writer.acked.length;
  await waitFor(async () => writer.acked.length >= resumedFrom + 50, 'the writer to write on the new primary');
  kill9(db, db.nodes.indexOf(second));
  const handle = await failover();
  const asked = await awaitApproval(mend.client, handle);
  expect(asked.approval).toMatchObject({ liftable: true, reason: expect.stringMatching(/^mysql-primary-failover is blocked on mysql\/flap until .* \(failed over from/) });
  const { timeline } = await handle.query(incidentStatusQuery);
  expect(timeline.map((t) => t.event)).toContain('blocked');
  const [lastNow] = (await acts.mysqlServers({ cluster: 'flap' })).filter((s) => s.node === last);
  expect(lastNow).toMatchObject({ readOnly: true, replica: { source: second } }); // not promoted

  // Shown to the operator: the incident's status says why it waits and how to lift the block; the guard shows it.
  const status = await runCli(mend.config, 'status', handle.workflowId);
  expect(status.out).toMatch(/why: mysql-primary-failover is blocked on mysql\/flap until \S+ \(failed over from/);
  expect(status.out).toContain('or lift the block: mend override mysql/flap --comment WHY');
  expect((await runCli(mend.config, 'guard', 'mysql/flap')).out).toMatch(/^blocked: mysql-primary-failover until \S+ \(failed over from/m);

  // Someone outside the policy cannot lift it; an allowed approver can, and the waiting failover goes on.
  expect(await ops.cliAs('mallory', 'override', 'mysql/flap', '--comment', 'let me')).toMatchObject({
    code: 3,
    out: 'refused: mallory is not an allowed approver',
  });
  expect((await guard().query(guardStateQuery)).blocks).toHaveLength(1);
  const lifted = await ops.cliAs('alice', 'override', 'mysql/flap', '--comment', 'the flap is understood');
  expect(lifted).toMatchObject({ code: 0, out: expect.stringMatching(/^done: budget and cooldown reset, block on mysql-primary-failover lifted by alice/) });
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([expect.objectContaining({ by: 'alice', decision: 'approve', accepted: true, comment: 'block lifted: the flap is understood' })]);
  expect(record.attempts[0].steps.find((s) => s.name.startsWith('promote'))!.name).toBe(`promote ${last}`);
  expect(await approvalNews(handle)).toBeGreaterThan(0); // the runbook told its incident it waited, and when it stopped
  expect((await guard().query(guardStateQuery)).history.map((h) => h.event)).toEqual(expect.arrayContaining(['override refused', 'override', 'blocked']));

  await waitFor(async () => writer.writers.at(-1) === last && writer.acked.length > resumedFrom + 50, 'the writer to resume on the last server');
  await writer.stop();
  expect((await missingRows(db, writer.acked, last)).missing).toEqual([]);
});

/** How many signals of this name the workflow received. */
async function signalsTo(workflow: WorkflowHandle, signal: string): Promise<number> {
  const { events } = await workflow.fetchHistory();
  return events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === signal).length;
}

/** How often the runbook told its incident that it waits for an approval (or stopped waiting). */
const approvalNews = (incident: WorkflowHandle) => signalsTo(incident, runbookApprovalSignal.name);

test('a lift that comes while the blocked failover still confirms the death gives its approval in advance', async () => {
  kill9(early, 0);
  const first: RecoveryRecord = await (await failover('early')).result();
  expect(first.status).toBe('recovered');
  const promoted = promotedIn(first);
  kill9(early, early.nodes.indexOf(promoted));

  // The runbook is held in its first probe, confirming the death, after the guard granted it, blocked.
  const probing = faults.hold('mysqlConfirmDead');
  const handle = await failover('early');
  try {
    const ended = handle.result().then((r: RecoveryRecord) => Promise.reject(new Error(`the failover ended before it probed: ${r.status}`)));
    await Promise.race([probing.started, ended]);
    expect((await handle.query(incidentStatusQuery)).timeline.map((t) => t.event)).toContain('blocked');
    expect((await runCli(mend.config, 'status', handle.workflowId)).out).not.toContain('approval:');
    expect((await ops.cliAs('bob', 'override', 'mysql/early', '--comment', 'known flap')).code).toBe(0);
    const runbook = mend.client.workflow.getHandle(`${handle.workflowId}/mysql-primary-failover`);
    await waitFor(async () => (await signalsTo(runbook, blockLiftedSignal.name)) > 0, 'the lift to reach the runbook');
  } finally {
    probing.release();
  }

  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([expect.objectContaining({ by: 'bob', accepted: true, comment: 'block lifted: known flap' })]);
  expect(record.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['blocked', 'block lifted', 'recovered']));
  // In advance: the runbook never waited, so it never told its incident of a pending approval.
  expect(await approvalNews(handle)).toBe(0);
});
