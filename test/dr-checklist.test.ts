// The DR checklist on the time-skipping server: manual items confirmed through `mend dr confirm` (an outsider is
// refused and recorded), two HTTP checks against a real local server running at once, a runbook item as a child
// incident on a real Redis, a failing check that holds its dependents until an approver did it by hand, dependencies
// respected, the RPO from a verified backup on disk, an RTO warning three hours in that escalates without real
// waiting, and a report with every item. The checklist loader's errors too.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { BackupStore, type BackupManifest } from '../runbooks/mysql/actions/backup-store';
import { defaultChecklistPath, loadChecklist, parseChecklist } from '../config/dr-load';
import { configProblems } from './helpers/config-problems';
import { mysqlClusterSchema } from '../runbooks/mysql/config';
import { drChecklist } from '../workflows/dr-checklist';
import { drProgressQuery, drReportQuery, type DrOutcome, type DrView } from '../workflows/dr-definitions';
import { signalAs } from './helpers/approvals';
import { runCli } from './helpers/cli';
import { startOperators, type Operators } from './helpers/operators';
import { NoticeReceiver } from './helpers/notice-receiver';
import { startMend, type Mend } from './helpers/mend';
import { scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { timeSkippingEnv } from '../common/time-skipping';
import { waitFor } from './helpers/wait';

/** A health endpoint that holds /a and /b until both are in flight (or 5 s pass), fails /down, and records every request. */
class HealthServer {
  readonly requests: { path: string; arrived: number; answered: number }[] = [];
  maxInFlight = 0;
  private inFlight = 0;
  private held: (() => void)[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const entry = { path: req.url ?? '', arrived: Date.now(), answered: 0 };
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const answer = () => {
        this.inFlight--;
        entry.answered = Date.now();
        this.requests.push(entry);
        res.statusCode = entry.path === '/down' ? 500 : 200;
        res.end('ok');
      };
      if (entry.path !== '/a' && entry.path !== '/b') return answer();
      this.held.push(answer);
      if (this.held.length === 2) this.held.splice(0).forEach((a) => a());
      else setTimeout(() => this.held.splice(0).forEach((a) => a()), 5_000).unref();
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

let env: TestWorkflowEnvironment;
let redis: RedisServer;
let mend: Mend;
let ops: Operators;
const health = new HealthServer();
const receiver = new NoticeReceiver('unused');
const dir = scratchDir('dr-');

beforeAll(async () => {
  [env, redis] = await Promise.all([timeSkippingEnv(), startRedis(), health.start(), receiver.start()]);
  const cluster = mysqlClusterSchema.parse({ nodes: ['127.0.0.1:1'], backup: { dir: join(dir, 'backups') } });
  const notifications = { sinks: { pager: { kind: 'webhook', url: `${receiver.url}/pager`, severities: ['critical'] } } };
  mend = await startMend({ redisUrl: redis.url, env, mysql: { dr: cluster }, notifications });
  mend.config.temporal.address = env.address; // the CLI talks to the time-skipping server
  ops = await startOperators(mend.config);
});
afterAll(async () => {
  await ops?.stop();
  await mend?.stop();
  await Promise.all([env?.teardown(), redis?.stop(), health.stop(), receiver.stop()]);
});

const cli = (...args: string[]) => runCli(mend.config, ...args);

/** A complete backup on disk, as mysqlBackup leaves it; `verified` as a passing restore check marks it. */
async function backupOnDisk(id: string, positionAt: string, verifiedAt?: string): Promise<void> {
  const store = new BackupStore(join(dir, 'backups'), 'dr');
  const { file } = await store.createPartial(id);
  await file.writeFile('-- dump\n');
  await file.close();
  const digest = await store.digest(`${store.dumpFile(id)}.partial`);
  const manifest: BackupManifest = {
    id,
    cluster: 'dr',
    source: '127.0.0.1:3308',
    databases: ['appdb'],
    gtid: `0-1-${id.length}`,
    takenAt: positionAt,
    positionAt,
    ...digest,
    tables: [],
  };
  await store.complete(manifest);
  if (verifiedAt) await store.markVerified(id, verifiedAt);
}

test('a DR run: parallel checks, dependencies, confirmations by approvers, RTO escalation, RPO and the report', async () => {
  const positionAt = new Date(Date.now() - 3_600_000).toISOString();
  await backupOnDisk('verified-one', positionAt, new Date(Date.now() - 1_800_000).toISOString());
  await backupOnDisk('never-verified', new Date(Date.now() - 60_000).toISOString()); // newer, but not known to restore
  const checklist = {
    name: 'Test DR',
    rto: '4h',
    rtoWarnAt: 0.8,
    rpo: { cluster: 'dr' },
    items: [
      { id: 'confirm-fault', phase: 'confirm', manual: true, title: 'Confirm the fault' },
      { id: 'decide', phase: 'confirm', manual: true, dependsOn: ['confirm-fault'], title: 'Decide on DR' },
      { id: 'check-a', phase: 'services', dependsOn: ['decide'], title: 'Service A answers', activity: 'httpCheck', params: { url: `${health.url}/a` } },
      { id: 'check-b', phase: 'services', dependsOn: ['decide'], title: 'Service B answers', activity: 'httpCheck', params: { url: `${health.url}/b` } },
      // maxmemory 0: the runbook has nothing to do, and the child incident ends "not-needed".
      {
        id: 'cache',
        phase: 'data',
        dependsOn: ['decide'],
        title: 'Cache memory is fine',
        runbook: 'redis-memory-relief',
        params: { redis: mend.redisName(), pattern: 'session:*' },
      },
      { id: 'check-c', phase: 'validate', dependsOn: ['check-a', 'check-b'], title: 'The UI answers', activity: 'httpCheck', params: { url: `${health.url}/c` } },
      { id: 'agents', phase: 'validate', dependsOn: ['decide'], title: 'Agents report', activity: 'httpCheck', params: { url: `${health.url}/down` } },
      { id: 'sign-off', phase: 'validate', manual: true, dependsOn: ['check-c', 'cache', 'agents'], title: 'Every monitor is green' },
    ],
  };
  const file = join(dir, 'checklist.yaml');
  writeFileSync(file, stringify(checklist));

  const started = await cli('dr', 'start', '--checklist', file, '--json');
  expect(started).toMatchObject({ code: 0 });
  const { runId } = JSON.parse(started.out) as { runId: string };
  const handle = env.client.workflow.getHandle<() => Promise<DrOutcome>>(runId);
  const progress = () => handle.query(drProgressQuery);
  const item = (v: DrView, id: string) => v.items.find((i) => i.id === id)!;
  await waitFor(async () => item(await progress(), 'confirm-fault').status === 'awaiting-confirmation', 'the first item to wait for a person');

  // An outsider is refused and recorded; an item whose dependency is not done cannot be confirmed.
  expect(await ops.cliAs('mallory', 'dr', 'confirm', runId, 'confirm-fault', '--note', 'trust me')).toMatchObject({
    code: 3,
    out: 'refused: mallory is not an allowed approver',
  });
  expect(await ops.cliAs('alice', 'dr', 'confirm', runId, 'decide')).toMatchObject({ code: 3, out: 'refused: it waits for confirm-fault' });
  expect(item(await progress(), 'confirm-fault').status).toBe('awaiting-confirmation');
  expect(await ops.cliAs('alice', 'dr', 'confirm', runId, 'no-such-item')).toMatchObject({ code: 2 });

  expect(await ops.cliAs('alice', 'dr', 'confirm', runId, 'confirm-fault', '--note', 'primary DC dark')).toMatchObject({ code: 0, out: 'confirmed confirm-fault by alice' });
  expect(await ops.cliAs('bob', 'dr', 'confirm', runId, 'decide', '--note', 'go for DR')).toMatchObject({ code: 0 });

  // An automated item that fails (after the policy's retries) holds its dependents until an approver did it by hand.
  await waitFor(async () => item(await progress(), 'agents').status === 'failed', 'the agents check to fail');
  expect(item(await progress(), 'sign-off').status).toBe('waiting');
  expect(await ops.cliAs('alice', 'dr', 'confirm', runId, 'agents', '--note', 'agents restarted by hand')).toMatchObject({ code: 0 });

  const waiting = await waitFor(
    async () => {
      const v = await progress();
      return item(v, 'sign-off').status === 'awaiting-confirmation' ? v : undefined;
    },
    'the automated items to finish',
    60_000,
  );
  // `mend status` shows the run's progress per phase.
  const status = await cli('status', runId);
  expect(status.code).toBe(0);
  expect(status.out).toContain('2. Restore services: 2/2');
  expect(status.out).toContain('4. Validate: 2/3');
  expect(status.out).toContain('RPO (dr): ');

  // Parallel: the two independent checks were in flight at once, at the server and in the run's record.
  expect(health.maxInFlight).toBe(2);
  const [a, b] = [item(waiting, 'check-a'), item(waiting, 'check-b')];
  expect(Date.parse(a.startedAt!)).toBeLessThan(Date.parse(b.endedAt!));
  expect(Date.parse(b.startedAt!)).toBeLessThan(Date.parse(a.endedAt!));
  // Dependencies: no item started before every item it depends on was done; /c reached the server after /a and /b.
  for (const i of waiting.items.filter((x) => x.startedAt)) {
    for (const dep of i.dependsOn) expect(Date.parse(i.startedAt!)).toBeGreaterThanOrEqual(Date.parse(item(waiting, dep).endedAt!));
  }
  const at = (path: string) => health.requests.find((r) => r.path === path)!;
  expect(at('/c').arrived).toBeGreaterThanOrEqual(Math.max(at('/a').answered, at('/b').answered));
  expect(item(waiting, 'cache')).toMatchObject({ status: 'done', childId: `${runId}/cache`, result: expect.stringContaining('incident not-needed') });

  // The RPO comes from the newest verified backup, not from the newer unverified one.
  expect(waiting.rpo).toMatchObject({ cluster: 'dr', backup: 'verified-one', positionAt });
  expect(waiting.rpo!.seconds).toBeGreaterThanOrEqual(3600);

  // RTO: 3h15m later (skipped, not waited for), the warning at 80% of 4h has fired and escalated.
  await env.sleep('195m');
  const warned = await waitFor(async () => {
    const v = await progress();
    return v.timeline.some((t) => t.event === 'escalated') ? v : undefined;
  }, 'the RTO warning to escalate');
  expect(warned.rto.atRisk).toBe(true);
  const risk = warned.timeline.find((t) => t.event === 'RTO at risk')!;
  expect(Date.parse(risk.at) - Date.parse(warned.startedAt)).toBeGreaterThanOrEqual(0.8 * 4 * 3_600_000);
  expect(risk.detail).toContain('1 of 8 items open (sign-off)');
  const history = await handle.fetchHistory();
  const scheduled = history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  expect(scheduled).toEqual(expect.arrayContaining(['escalate', 'notify']));
  // The notice reached the sink routed for critical notices: a real HTTP request.
  const notice = await waitFor(async () => receiver.deliveries.find((d) => d.body.kind === 'rto-at-risk'), 'the rto-at-risk notice');
  expect(notice).toMatchObject({ path: '/pager', body: { incidentId: runId, severity: 'critical', title: 'Test DR: RTO 4h at risk' } });

  expect(await ops.cliAs('carol', 'dr', 'confirm', runId, 'sign-off', '--note', 'all green')).toMatchObject({ code: 0 });
  const outcome = await handle.result();
  expect(outcome.status).toBe('done');
  expect(outcome.rto).toMatchObject({ atRisk: true, met: true });
  expect(outcome.items.every((i) => i.status === 'done')).toBe(true);
  expect(outcome.confirmations.filter((c) => !c.accepted).map((c) => c.by)).toEqual(['mallory', 'alice']);

  // The report names every item with who and when (or what ran), the RTO and the RPO.
  const report = outcome.report;
  // Replayed for the query: the time-skipping server stamps some workflow tasks differently on replay, so times aside.
  const untimed = (text: string) => text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
  expect(untimed(await handle.query(drReportQuery))).toBe(untimed(report));
  expect(untimed((await cli('dr', 'report', runId)).out)).toBe(untimed(report).trimEnd());
  for (const i of outcome.items) {
    const row = report.split('\n').find((l) => l.startsWith(`| \`${i.id}\``))!;
    expect(row).toContain(i.startedAt!);
    expect(row).toContain(i.endedAt!);
    if (i.confirmedBy) expect(row).toContain(`confirmed by ${i.confirmedBy} at ${i.confirmedAt}`);
    else expect(row).toContain(i.result!); // an automated item that ran
  }
  expect(report).toMatch(/confirmed by alice at \S+: primary DC dark/);
  expect(report).toMatch(/\| `agents` .* \| done \| .*confirmed by alice at \S+: agents restarted by hand; error: .*answered 500, expected 200/);
  expect(report).toContain('RTO 4h: met');
  expect(report).toContain('RPO (dr): ');
  expect(report).toContain('mallory on `confirm-fault`: mallory is not an allowed approver');
});

test('a confirmation sent as the run starts, before it has read its policy, still counts', async () => {
  const checklist = parseChecklist({ name: 'early', rto: '1h', items: [{ id: 'only', phase: 'confirm', manual: true, title: 'The one item' }] });
  // Signal-with-start: the confirmation is in the run's first task, before it has read its policy.
  // Sent as soon as the run exists (a gateway's attestation names the run): the run has not read its policy yet.
  const handle = await env.client.workflow.start(drChecklist, { taskQueue: mend.taskQueue, workflowId: `dr-early-${Date.now()}`, args: [{ checklist }] });
  await signalAs(handle, 'confirm', 'carol', { item: 'only', note: 'already done' });
  const outcome = await handle.result();
  expect(outcome.confirmations).toEqual([expect.objectContaining({ item: 'only', by: 'carol', accepted: true })]);
  expect(outcome.items[0]).toMatchObject({ status: 'done', confirmedBy: 'carol', note: 'already done' });
  // `mend status --watch` follows a DR run too, and returns with its outcome.
  const watched = await cli('status', handle.workflowId, '--watch', '--interval', '100ms');
  expect(watched).toMatchObject({ code: 0, out: expect.stringContaining(`DR run ${handle.workflowId} done: RTO 1h met`) });
});

test('a DR run ended before its checklist was done: `mend status --watch` returns, not recovered', async () => {
  const checklist = parseChecklist({ name: 'cut', rto: '1h', items: [{ id: 'never', phase: 'confirm', manual: true, title: 'Never confirmed' }] });
  const handle = await env.client.workflow.start(drChecklist, { taskQueue: mend.taskQueue, workflowId: `dr-cut-${Date.now()}`, args: [{ checklist }] });
  await handle.terminate('test: the run is abandoned');
  const watched = await cli('status', handle.workflowId, '--watch', '--interval', '100ms');
  expect(watched).toMatchObject({ code: 4, out: expect.stringContaining(`DR run ${handle.workflowId} ended terminated before its checklist was done`) });
  expect((await cli('dr', 'report', handle.workflowId)).out).toContain('Never confirmed');
});

test('the shipped checklist loads; a bad one fails with the path of the bad field', () => {
  const shipped = loadChecklist(defaultChecklistPath());
  expect(new Set(shipped.items.map((i) => i.phase))).toEqual(new Set(['confirm', 'services', 'data', 'validate']));

  const problems = (raw: unknown) => configProblems(() => parseChecklist(raw, 'test.yaml'));
  const manual = (id: string, dependsOn: string[] = []) => ({ id, title: id, phase: 'confirm', manual: true, dependsOn });
  expect(problems({ items: [manual('a', ['nope'])] })).toEqual(['items.0.dependsOn.0: unknown item "nope"']);
  expect(problems({ items: [manual('a', ['c']), manual('b', ['a']), manual('c', ['b'])] })).toEqual(['items.0.dependsOn: dependency cycle: a → c → b → a']);
  expect(problems({ items: [manual('a'), manual('a')] })).toEqual(['items.1.id: duplicate item id "a"']);
  expect(problems({ rto: 'soon', items: [manual('a')] })[0]).toMatch(/^rto: expected a duration/);
  expect(problems({ items: [{ id: 'r', title: 'r', phase: 'data', runbook: 'mysql-backup-verify', params: { cluster: 'BAD CLUSTER' } }] })[0]).toMatch(
    /^items\.0\.params\.cluster: /,
  );
  expect(problems({ items: [{ id: 'r', title: 'r', phase: 'data', runbook: 'no-such-runbook' }] })).toEqual(['items.0.runbook: unknown runbook "no-such-runbook"']);
  expect(problems({ items: [{ ...manual('a'), phase: 'later' }] })[0]).toMatch(/^items\.0/);
  // Only read-only checks run as activity items: a change to a system goes through a runbook and its guard.
  expect(problems({ items: [{ id: 'x', title: 'x', phase: 'data', activity: 'redisFlushDb', params: {} }] })[0]).toMatch(/^items\.0/);
  expect(problems({ items: [{ id: 'x', title: 'x', phase: 'data', activity: 'httpCheck', params: { url: 'ftp://x' } }] })).toEqual(['items.0.params.url: expected an http(s) URL']);
});
