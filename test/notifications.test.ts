// Notifications end to end on the dev server and a real Redis. A real HTTP receiver on 127.0.0.1 stands in for
// Slack (which cannot run here) and for a generic webhook; two more sinks are down (a closed port) and hang (never
// answer). Every kind the incident and its runbook send arrives, routing by severity holds, and the bad sinks
// neither slow nor fail the recovery: they are retried within bounds and counted. Progress under time skipping,
// Slack rendering of every kind, and start-up checks of the sinks' config close the file.
import { decideAs } from './helpers/approvals';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import { noticeKinds, type Notice } from '../common/notice';
import { slackMessage } from '../activities/notify-sinks';
import { parseConfig } from '../config/load';
import { notificationsSchema } from '../config/notifications-schema';
import { fillNearMaxmemory, redisClient, startMend, testConfig, type Mend } from './helpers/mend';
import { NoticeReceiver, type SlackBody } from './helpers/notice-receiver';
import { freePort, startRedis, type RedisServer } from './helpers/processes';
import { timeSkippingEnv } from '../common/time-skipping';
import { processConfigFile, startWorkerProcess } from './helpers/worker-process';
import { waitFor } from './helpers/wait';

const token = randomUUID();
const receiver = new NoticeReceiver(token);
const timeoutMs = 3000;
const attempts = 2;
/** The least time one notice takes to fail on the hanging sink: every attempt times out. */
const hungDeliveryMs = attempts * timeoutMs;

let server: RedisServer;
let redis: Redis;
let mend: Mend;

beforeAll(async () => {
  [server] = await Promise.all([startRedis(), receiver.start()]);
  redis = redisClient(server.url);
  process.env.MEND_TEST_SLACK_URL = `${receiver.url}/slack/T000/B000/${randomUUID()}`;
  process.env.MEND_TEST_HOOK_TOKEN = token;
  mend = await startMend({
    redisUrl: server.url,
    notifications: {
      sinks: {
        slack: { kind: 'slack', urlEnv: 'MEND_TEST_SLACK_URL' },
        pager: { kind: 'webhook', url: `${receiver.url}/hook`, tokenEnv: 'MEND_TEST_HOOK_TOKEN', severities: ['critical'] },
        down: { kind: 'webhook', url: `http://127.0.0.1:${await freePort()}/` },
        stuck: { kind: 'webhook', url: `${receiver.url}/hang` },
      },
      progressEvery: '1s',
      timeout: timeoutMs,
      attempts,
    },
  });
});
afterAll(async () => {
  await mend?.stop();
  redis?.disconnect();
  await Promise.all([server?.stop(), receiver.stop()]);
});

const relief = (severity: 'warning' | 'critical', params: Record<string, unknown> = {}, on = mend) => ({
  runbook: 'redis-memory-relief',
  severity,
  params: { redis: on.redisName(), pattern: 'session:*', stabilize: '200ms', ...params },
});

/** The kind of a Slack message, from its context line (severity · kind · target · incident). */
const kindOf = (m: SlackBody): string => m.blocks[1].elements![0].text.split(' · ')[1];
const slackKinds = (id: string): string[] => receiver.slack(id).map(kindOf);
const counted = async (sink: string, kind: string, outcome: string): Promise<number> =>
  (await mend.metrics.notifications.get()).values.find((v) => v.labels.sink === sink && v.labels.kind === kind && v.labels.outcome === outcome)?.value ?? 0;

/** Nothing was cut off: the hanging sink got every attempt of every notice the incident sent. */
const expectEveryAttemptMade = (id: string) => expect(receiver.notices('/hang', id).length).toBe(attempts * receiver.slack(id).length);

test('a critical incident: opened, approval needed with the UI link and approvers, progress while it waits, action taken, recovered', async () => {
  await fillNearMaxmemory(redis);
  const id = `notify/${randomUUID()}`;
  const handle = await mend.start(relief('critical'), id);
  const asked = await waitFor(async () => receiver.notices('/hook', id).find((n) => n.kind === 'approval-needed'), 'the approval notice');
  expect(asked.text).toContain(`http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(id)}`);
  expect(asked.text).toContain('Who may approve: alice, bob, carol (1 needed)');
  expect(asked.title).toMatch(/^redis-memory-relief on redis\/\S+: needs approval$/);
  // No progress is also progress: the incident says where it stands while nothing changes.
  const progress = await waitFor(async () => {
    const seen = receiver.notices('/hook', id).filter((n) => n.kind === 'progress' && n.text?.includes('needs approval'));
    return seen.length >= 2 && seen;
  }, 'two progress notices while it waits for approval');
  expect(progress[1].title).toMatch(/^Incident on redis\/\S+: still remediating$/);
  expect(progress[1].text).toMatch(/Open for \d+s/);

  await decideAs(handle, 'alice', { comment: 'go' });
  const record = await handle.result();
  expect(record.status).toBe('recovered');

  const hook = receiver.notices('/hook', id);
  expect(hook.every((n) => n.authorization === `Bearer ${token}` && n.severity === 'critical' && n.incidentId === id)).toBe(true);
  expect(new Set(hook.map((n) => n.kind))).toEqual(new Set(['opened', 'approval-needed', 'progress', 'action-taken', 'recovered']));
  expect(hook.find((n) => n.kind === 'action-taken')!.title).toMatch(/: delete keys matching session:\*$/);
  expect(hook.find((n) => n.kind === 'recovered')!.title).toMatch(/recovered by redis-memory-relief \(MTTR [\d.]+ s\)$/);
  expect(slackKinds(id).sort()).toEqual(hook.map((n) => n.kind).sort());
  const [opened] = receiver.slack(id);
  expect(opened.text).toMatch(/^:rotating_light: Incident on redis\/\S+: opened, running redis-memory-relief$/);
  expect(opened.blocks[0].text!.text).toContain('Ladder: redis-memory-relief → redis-flush-cache → people');
  expectEveryAttemptMade(id);
  // The notified incident and its runbook replay: the progress loop and the relay are deterministic.
  for (const workflowId of [id, `${id}/redis-memory-relief`]) {
    const history = await mend.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.MEND_TEST_BUNDLE! } }, history, workflowId);
  }
});

test('a warning incident goes to Slack only; a sink that is down and one that hangs neither slow nor fail it, and are counted', async () => {
  await fillNearMaxmemory(redis);
  const before = { down: await counted('down', 'recovered', 'failed'), stuck: await counted('stuck', 'recovered', 'failed') };
  const sentBefore = await counted('slack', 'recovered', 'sent');
  const id = `notify-${randomUUID()}`;
  const record = await mend.run(relief('warning'), id);

  expect(record.status).toBe('recovered');
  // Each notice the stuck sink takes holds nothing up: not the fix and verification (MTTR), not the runbook's result.
  expect(record.mttrSeconds! * 1000).toBeLessThan(hungDeliveryMs);
  const at = (event: string) => Date.parse(record.timeline.find((e) => e.event === event)!.at);
  expect(at('runbook verified') - at('detected')).toBeLessThan(hungDeliveryMs);
  expect(slackKinds(id)).toEqual(expect.arrayContaining(['opened', 'action-taken', 'recovered']));
  expect(slackKinds(id)).not.toContain('approval-needed');
  expect(receiver.notices('/hook', id)).toEqual([]);
  expectEveryAttemptMade(id);
  expect(await counted('down', 'recovered', 'failed')).toBe(before.down + 1);
  expect(await counted('stuck', 'recovered', 'failed')).toBe(before.stuck + 1);
  expect(await counted('slack', 'recovered', 'sent')).toBe(sentBefore + 1);
});

test('a failing run says the attempt failed, then that the incident is escalated', async () => {
  await fillNearMaxmemory(redis);
  await redis.config('SET', 'maxmemory', String(1 << 30));
  const id = `notify-${randomUUID()}`;
  const record = await mend.run(relief('warning', { below: 0.000001, verifyWithin: '1s' }), id);

  expect(record.status).toBe('escalated');
  const kinds = slackKinds(id);
  expect(kinds).toEqual(expect.arrayContaining(['opened', 'action-taken', 'failed', 'escalated']));
  expect(kinds.indexOf('failed')).toBeLessThan(kinds.indexOf('escalated'));
  const failed = receiver.slack(id)[kinds.indexOf('failed')];
  expect(failed.blocks[0].text!.text).toMatch(/redis-memory-relief on redis\/\S+: failed\*\nverification .* did not pass[\s\S]*1 step\(s\) undone/);
  expect(receiver.slack(id)[kinds.lastIndexOf('escalated')].text).toMatch(/^:sos: Incident on redis\/\S+: escalated$/);
});

test('on the time-skipping server, a 15-minute approval wait sends progress every 5 minutes, then escalated', async () => {
  const env = await timeSkippingEnv();
  const skipping = await startMend({
    redisUrl: server.url,
    env,
    notifications: { sinks: { hook: { kind: 'webhook', url: `${receiver.url}/hook`, tokenEnv: 'MEND_TEST_HOOK_TOKEN' } }, progressEvery: '5m' },
  });
  try {
    await fillNearMaxmemory(redis);
    const id = `notify-${randomUUID()}`;
    const record = await skipping.run(relief('critical', {}, skipping), id);
    expect(record.status).toBe('escalated');
    const kinds = receiver.notices('/hook', id).map((n) => n.kind);
    expect(kinds.slice(0, 2)).toEqual(['opened', 'approval-needed']);
    expect(kinds.filter((k) => k === 'progress').length).toBeGreaterThanOrEqual(2);
    expect(kinds[kinds.length - 1]).toBe('escalated');
  } finally {
    await skipping.stop();
    await env.teardown();
  }
});

test('every kind renders for Slack, rto-at-risk included, with what Slack would read as markup escaped', () => {
  const notice = (kind: Notice['kind']): Notice => ({
    kind,
    incidentId: 'dr-1',
    severity: 'critical',
    title: 'DR checklist: RTO <at risk> & more',
    text: '35 of 60 min used',
  });
  const marks = noticeKinds.map((kind) => slackMessage(notice(kind)).text.split(' ')[0]);
  expect(new Set(marks).size).toBe(noticeKinds.length);
  const rto = slackMessage(notice('rto-at-risk'));
  expect(rto.text).toBe(':hourglass_flowing_sand: DR checklist: RTO &lt;at risk&gt; &amp; more');
  expect(rto.blocks).toEqual([
    { type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: *DR checklist: RTO &lt;at risk&gt; &amp; more*\n35 of 60 min used' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'critical · rto-at-risk · dr-1' }] },
  ]);
});

test("a worker whose sink's env var is not set stops at start, naming the variable", async () => {
  const config = testConfig(undefined);
  config.notifications = notificationsSchema.parse({ sinks: { ops: { kind: 'slack', urlEnv: 'MEND_TEST_UNSET_SLACK_URL' } } });
  await expect(startWorkerProcess(processConfigFile(config))).rejects.toThrow(
    /workers\/main.js exited 1:[\s\S]*notifications\.sinks\.ops\.urlEnv: environment variable MEND_TEST_UNSET_SLACK_URL is not set/,
  );
});

test('a Slack URL written in the file is refused; no sinks by default', () => {
  expect(() => parseConfig({ notifications: { sinks: { ops: { kind: 'slack', url: 'https://hooks.example/T/B/secret' } } } }, 'mend.yaml', {})).toThrow(
    /notifications\.sinks\.ops\.url: a Slack webhook's URL is a secret: give urlEnv/,
  );
  expect(notificationsSchema.parse({})).toEqual({ sinks: {}, progressEvery: '15m', timeout: '5s', attempts: 3 });
});
