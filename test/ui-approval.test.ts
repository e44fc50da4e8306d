// The Temporal Web UI as the operator console, signed in through a real OIDC provider (Dex) and driven in a real
// browser (Debian's Chromium, playwright-core): an approval-gated incident shows its summary and who may approve; a
// signed-in operator sends `approve` (or `reject`) through the UI's "Send a Signal" dialog, and the runbook counts
// who signed in, read from the signal's history event ("<email> - webui"), never from the payload. Screenshots are
// kept in test-artifacts/.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { RecoveryRecord } from '../common/types';
import { runCli } from './helpers/cli';
import { awaitApproval, runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { signIn, startSignedInUi, type SignedInUi } from './helpers/signed-in-ui';
import { artifactsDir, listWorkflows, openWorkflow, sendSignal, startBrowser, userMetadata, type Browser } from './helpers/temporal-ui';
import { waitFor } from './helpers/wait';

const fx = useMendWithRedis({
  policy: { approval: { approvers: ['alice@example.com', 'bob@example.com'] } },
  config: { approvals: { temporalUi: true } },
});
let ui: SignedInUi;
const browsers: Browser[] = [];

beforeAll(async () => {
  ui = await startSignedInUi(process.env.MEND_TEST_TEMPORAL!);
});
afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await ui?.stop();
});

/** A browser of its own (its own session cookies), signed in as a demo user. */
async function signedIn(user: string): Promise<Browser> {
  const browser = await startBrowser();
  browsers.push(browser);
  await signIn(browser.page, ui, user);
  return browser;
}

/** A critical redis-memory-relief incident, started as an operator would: the policy asks for approval first. */
async function incidentAwaitingApproval() {
  await fillNearMaxmemory(fx.redis);
  const id = `ui-${randomUUID()}`;
  const params = [`redis=${fx.mend.redisName()}`, 'pattern=session:*', 'stabilize=100ms'].flatMap((p) => ['--param', p]);
  const started = await runCli(fx.mend.config, 'run', 'redis-memory-relief', '--id', id, '--severity', 'critical', '--summary', 'RedisMemoryHigh on the session cache', ...params);
  expect(started.code).toBe(0);
  const handle = fx.mend.client.workflow.getHandle(id);
  await awaitApproval(fx.mend.client, handle);
  return handle;
}

test('alice signs in, finds the incident, sees who may approve, sends approve: counted as alice, read from history', async () => {
  const handle = await incidentAwaitingApproval();
  const { page } = await signedIn('alice');
  // The list filtered on mend's search attributes, as an operator looks for what waits on people.
  const query = `MendStatus = "awaiting-approval" AND TaskQueue = "${fx.mend.taskQueue}"`;
  await waitFor(async () => (await fx.mend.client.workflow.count(query)).count === 1, 'visibility to index the status'); // eventually consistent
  expect(await listWorkflows(page, ui.url, query)).toEqual([expect.stringContaining(`${handle.workflowId}/redis-memory-relief`)]);
  await openWorkflow(page, ui.url, handle.workflowId);
  const shown = await userMetadata(page);
  expect(shown.summary).toMatch(/redis-memory-relief on redis\/\S+ \(critical\)/);
  expect(shown.details).toContain('RedisMemoryHigh on the session cache');
  expect(shown.current).toMatch(/Waiting for approval \(0\/1\) until \S+: policy requires approval \(severity critical\)/);
  expect(shown.current).toContain('Who may approve: alice@example.com, bob@example.com');

  await sendSignal(page, 'approve', { comment: 'approved in the UI' }, 'ui-approve-signal.png');
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([
    expect.objectContaining({
      by: 'alice@example.com',
      channel: 'temporal-ui',
      decision: 'approve',
      accepted: true,
      comment: 'approved in the UI',
      evidence: expect.stringMatching(/^history event \d+ \(approve, \S+\), Temporal identity "alice@example.com - webui"$/),
    }),
  ]);
  expect(await fx.redis.exists('session:1')).toBe(0); // the step really ran

  // The UI shows it too: the signal in the history, the run completed, and its details say recovered.
  await page.reload();
  await page.getByRole('row').filter({ hasText: 'Workflow Execution Signaled' }).filter({ hasText: 'approve' }).first().waitFor();
  await page.getByText('Completed', { exact: true }).first().waitFor();
  await page.screenshot({ path: join(artifactsDir, 'ui-approved-history.png'), fullPage: true });
});

test('mallory signs in and sends {"by": "alice@example.com"}: refused as mallory and recorded; bob rejects and nothing is deleted', async () => {
  const handle = await incidentAwaitingApproval();
  const mallory = await signedIn('mallory');
  await openWorkflow(mallory.page, ui.url, handle.workflowId);
  await sendSignal(mallory.page, 'approve', { by: 'alice@example.com', comment: 'as alice' }, 'ui-approve-as-someone-else.png');
  await waitFor(async () => (await runbookView(fx.mend.client, handle)).approvals.length === 1, "mallory's refusal to be recorded");
  expect((await runbookView(fx.mend.client, handle)).approval?.approvedBy).toEqual([]);

  const bob = await signedIn('bob');
  await openWorkflow(bob.page, ui.url, handle.workflowId);
  await sendSignal(bob.page, 'reject', { comment: 'not during the sale' }, 'ui-reject-signal.png');
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('rejected');
  expect(record.reason).toBe('rejected by bob@example.com: not during the sale');
  expect(record.attempts[0].approvals).toEqual([
    expect.objectContaining({
      by: 'mallory@example.com',
      claimed: 'alice@example.com',
      channel: 'temporal-ui',
      accepted: false,
      reason: '"by" says alice@example.com but the sender authenticated as mallory@example.com',
    }),
    expect.objectContaining({ by: 'bob@example.com', channel: 'temporal-ui', decision: 'reject', accepted: true }),
  ]);
  expect(await fx.redis.exists('session:1')).toBe(1);
});
