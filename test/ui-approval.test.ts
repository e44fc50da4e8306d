// The Temporal Web UI as the operator console, driven in a real browser (Debian's Chromium, playwright-core) on the
// dev server's own UI: an approval-gated incident shows its summary and who may approve; an operator sends
// `approve` (or `reject`) through the UI's "Send a Signal" dialog, and the incident recovers (or stands down).
// Screenshots are kept in test-artifacts/.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { RecoveryRecord } from '../common/types';
import { runCli } from './helpers/cli';
import { waitFor } from './helpers/wait';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { startDevServer, startRedis, type DevServer, type RedisServer } from './helpers/processes';
import { artifactsDir, listWorkflows, openWorkflow, sendSignal, startBrowser, userMetadata, type Browser } from './helpers/temporal-ui';

let temporal: DevServer;
let server: RedisServer;
let redis: Redis;
let mend: Mend;
let browser: Browser;

beforeAll(async () => {
  [temporal, server, browser] = await Promise.all([startDevServer({ ui: true }), startRedis(), startBrowser()]);
  redis = redisClient(server.url);
  mend = await startMend({ redisUrl: server.url, address: temporal.address });
});
afterAll(async () => {
  await browser?.close();
  await mend?.stop();
  redis?.disconnect();
  await Promise.all([server?.stop(), temporal?.stop()]);
});

/** A critical redis-memory-relief incident, started as an operator would: the policy asks for approval first. */
async function incidentAwaitingApproval() {
  await fillNearMaxmemory(redis);
  const id = `ui-${randomUUID()}`;
  const started = await runCli(
    mend.config,
    'run',
    'redis-memory-relief',
    '--id',
    id,
    '--severity',
    'critical',
    '--summary',
    'RedisMemoryHigh on the session cache',
    '--param',
    `redis=${mend.redisName()}`,
    '--param',
    'pattern=session:*',
    '--param',
    'stabilize=100ms',
  );
  expect(started.code).toBe(0);
  const handle = mend.client.workflow.getHandle(id);
  await awaitApproval(mend.client, handle);
  await openWorkflow(browser.page, temporal.uiUrl!, handle.workflowId);
  return handle;
}

test('approve from the UI: the operator finds the incident, sees who may approve, sends approve, and it recovers', async () => {
  const handle = await incidentAwaitingApproval();
  // The list filtered on mend's search attributes, as an operator looks for what waits on people.
  const query = `MendStatus = "awaiting-approval" AND TaskQueue = "${mend.taskQueue}"`;
  await waitFor(async () => (await mend.client.workflow.count(query)).count === 1, 'visibility to index the status'); // eventually consistent
  const waiting = await listWorkflows(browser.page, temporal.uiUrl!, query);
  expect(waiting).toEqual([expect.stringContaining(`${handle.workflowId}/redis-memory-relief`)]);
  await openWorkflow(browser.page, temporal.uiUrl!, handle.workflowId);
  const shown = await userMetadata(browser.page);
  expect(shown.summary).toMatch(/redis-memory-relief on redis\/\S+ \(critical\)/);
  expect(shown.details).toContain('RedisMemoryHigh on the session cache');
  expect(shown.current).toMatch(/Waiting for approval \(0\/1\) until \S+: policy requires approval \(severity critical\)/);
  expect(shown.current).toContain('Who may approve: alice, bob, carol');

  await sendSignal(browser.page, 'approve', { by: 'alice', comment: 'approved in the UI' }, 'ui-approve-signal.png');
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([expect.objectContaining({ by: 'alice', decision: 'approve', accepted: true, comment: 'approved in the UI' })]);
  expect(await redis.exists('session:1')).toBe(0); // the step really ran

  // The UI shows it too: the signal in the history, the run completed, and its details say recovered.
  await browser.page.reload();
  await browser.page.getByRole('row').filter({ hasText: 'Workflow Execution Signaled' }).filter({ hasText: 'approve' }).first().waitFor();
  await browser.page.getByText('Completed', { exact: true }).first().waitFor();
  await browser.page.screenshot({ path: join(artifactsDir, 'ui-approved-history.png'), fullPage: true });
});

test('reject from the UI: the incident stands down and nothing is deleted', async () => {
  const handle = await incidentAwaitingApproval();
  await sendSignal(browser.page, 'reject', { by: 'bob', comment: 'not during the sale' }, 'ui-reject-signal.png');
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('rejected');
  expect(record.reason).toBe('rejected by bob: not during the sale');
  expect(await redis.exists('session:1')).toBe(1);
});
