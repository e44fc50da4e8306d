// Approve buttons in chat: mend's approval-needed notice to a Slack-compatible sink carries Approve and Reject; the
// gateway takes a click only when the chat signed it with the signing secret inside the timestamp window, and
// records it as the identity the chat user is mapped to. Slack itself cannot run here: the test posts what Slack
// posts for a click (the v0 signature and the block_actions form), and a local receiver takes the notices.
import { createHmac, randomUUID } from 'node:crypto';
import type { RecoveryRecord } from '../common/types';
import { approvalsSchema } from '../config/approvals-schema';
import { startGateway, type Gateway } from './helpers/gateway';
import { incidentAwaitingApproval, runbookView } from './helpers/incident';
import { useMendWithRedis } from './helpers/mend';
import { NoticeReceiver } from './helpers/notice-receiver';
import { waitFor } from './helpers/wait';

const receiver = new NoticeReceiver('unused');
const secret: string = randomUUID();
process.env.MEND_TEST_SLACK_SIGNING = secret;

// Before the worker starts: its Slack sink reads the URL then.
beforeAll(async () => {
  await receiver.start();
  process.env.MEND_TEST_SLACK_URL = `${receiver.url}/slack/T000/B000/${randomUUID()}`;
});
const fx = useMendWithRedis({
  policy: { approval: { approvers: ['alice@example.com'] } },
  config: { notifications: { sinks: { chat: { kind: 'slack', urlEnv: 'MEND_TEST_SLACK_URL', kinds: ['approval-needed'] } } } },
});
let gateway: Gateway;

beforeAll(async () => {
  const approvals = approvalsSchema.parse({
    slack: { signingSecretEnv: 'MEND_TEST_SLACK_SIGNING', maxSkew: '5m', users: { U0ALICE: 'alice@example.com', U0MALLORY: 'mallory@example.com' } },
  });
  gateway = await startGateway({ ...fx.mend.config, approvals });
});
afterAll(async () => {
  await gateway?.close();
  await receiver.stop();
});

/** What Slack posts when `user` clicks a button: the form, signed at `at` (unix seconds) with `key`. */
function click(user: string, action: { action_id: string; value: string }, at = Math.floor(Date.now() / 1000), key = secret) {
  const payload = { type: 'block_actions', user: { id: user, username: user.slice(2).toLowerCase() }, team: { id: 'T000' }, actions: [action] };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const signature = `v0=${createHmac('sha256', key).update(`v0:${at}:${body}`).digest('hex')}`;
  return { body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(at), 'x-slack-signature': signature } };
}

const send = async ({ body, headers }: ReturnType<typeof click>) => {
  const res = await fetch(`${gateway.url}/chat/slack/interactions`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { text?: string; error?: string } };
};

test('a signed click approves as the mapped identity; a badly signed, a stale and a replayed one are refused', async () => {
  const handle = await incidentAwaitingApproval(fx);
  // The notice as the chat shows it: its Approve button names the incident.
  const notice = await waitFor(async () => receiver.slack(handle.workflowId).find((m) => m.blocks.some((b) => b.type === 'actions')), 'the approval notice');
  const buttons = notice.blocks.find((b) => b.type === 'actions')!.elements as unknown as { action_id: string; value: string }[];
  const { deadline } = (await runbookView(fx.mend.client, handle)).approval!;
  expect(buttons.map((b) => [b.action_id, JSON.parse(b.value)])).toEqual([
    ['approve', { incident: handle.workflowId, asked: deadline }],
    ['reject', { incident: handle.workflowId, asked: deadline }],
  ]);
  const approve = buttons[0];
  // A button kept from another request answers nothing here.
  const old = { action_id: 'approve', value: JSON.stringify({ incident: handle.workflowId, asked: '2026-01-01T00:00:00.000Z' }) };
  expect(await send(click('U0ALICE', old))).toEqual({
    status: 200,
    body: { response_type: 'ephemeral', text: `the approval asked until 2026-01-01T00:00:00.000Z is no longer pending in incident ${handle.workflowId}` },
  });

  expect(await send(click('U0ALICE', approve, undefined, 'not the signing secret'))).toEqual({ status: 401, body: { error: 'wrong X-Slack-Signature' } });
  const stale = Math.floor(Date.now() / 1000) - 6 * 60;
  expect(await send(click('U0ALICE', approve, stale))).toEqual({ status: 401, body: { error: 'X-Slack-Request-Timestamp is outside the 5m window (a replay?)' } });
  expect(await send(click('U0NOBODY', approve))).toEqual({
    status: 200,
    body: { response_type: 'ephemeral', text: 'refused: chat user U0NOBODY is not mapped to an identity in mend' },
  });
  expect(await send(click('U0MALLORY', approve))).toEqual({ status: 200, body: { response_type: 'ephemeral', text: 'refused: mallory@example.com is not an allowed approver' } });
  expect((await runbookView(fx.mend.client, handle)).approval?.approvedBy).toEqual([]);

  const alice = click('U0ALICE', approve);
  expect(await send(alice)).toEqual({ status: 200, body: { response_type: 'ephemeral', text: 'approved by alice@example.com' } });
  expect(await send(alice)).toEqual({ status: 401, body: { error: 'this request was received before (a replay)' } });
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([
    expect.objectContaining({ by: 'mallory@example.com', channel: 'chat', accepted: false }),
    expect.objectContaining({
      by: 'alice@example.com',
      channel: 'chat',
      accepted: true,
      evidence: expect.stringMatching(/^chat user U0ALICE \(alice\) of team T000, request signed at /),
    }),
  ]);
});
