// CLI and HTTP approvals authenticated by a real OIDC provider (Dex): the gateway checks each token against Dex's
// published keys (signature, issuer, audience, expiry) and the runbook records the token's identity, never a payload
// field. Policy: alice by name, anyone in group sre (bob, carol); mallory is no approver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main';
import type { ApprovalDecision, RecoveryRecord } from '../common/types';
import { incidentStatusQuery } from '../workflows/definitions';
import { demoPassword, demoUsers } from '../stack/dex-config';
import { awaitApproval, incidentAwaitingApproval, runbookView } from './helpers/incident';
import { fillNearMaxmemory, useMendWithRedis } from './helpers/mend';
import { startDex, type Dex } from './helpers/dex';
import { startOperators, type Operators } from './helpers/operators';
import { scratchDir } from './helpers/processes';
import { startBrowser } from './helpers/temporal-ui';
import { waitFor } from './helpers/wait';

jest.setTimeout(120_000);

const fx = useMendWithRedis({ policy: { approval: { approvers: ['alice@example.com', 'group:sre'] } } });
let ops: Operators;
let elsewhere: Dex;

beforeAll(async () => {
  // Tokens live 10 s (the expired case waits that out); no clock skew allowed.
  [ops, elsewhere] = await Promise.all([startOperators(fx.mend.config, { clockTolerance: '0s' }, { idTokens: '10s', publicClients: ['another-app'] }), startDex()]);
});
afterAll(async () => {
  await ops?.stop();
  await elsewhere?.stop();
});

const post = (path: string, token: string | undefined, body: unknown) =>
  fetch(`${ops.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { accepted?: boolean; error?: string; text?: string } }));

test("`mend approve` with alice's Dex token approves; the record names her from the token, with the token as evidence", async () => {
  const handle = await incidentAwaitingApproval(fx);
  const { code, out } = await ops.cliAs('alice', 'approve', handle.workflowId, '--comment', 'checked the graphs');
  expect({ code, out }).toEqual({ code: 0, out: 'approved by alice@example.com' });
  const record = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([
    expect.objectContaining({
      by: 'alice@example.com',
      channel: 'cli',
      accepted: true,
      comment: 'checked the graphs',
      evidence: expect.stringMatching(new RegExp(`^OIDC token from ${ops.dex.issuer}, subject \\S+, expires `)),
    }),
  ]);
});

test('refused with a clear message and nothing approved: no token, expired, wrong audience, wrong issuer, bad signature', async () => {
  const handle = await incidentAwaitingApproval(fx);
  const path = `/approvals/${handle.workflowId}`;
  const approve = { decision: 'approve', comment: 'let me' };
  const [alice, forOtherApp, fromElsewhere] = await Promise.all([ops.dex.token('alice'), ops.dex.token('alice', 'another-app'), elsewhere.token('alice')]);
  const [head, body, signature] = alice.split('.');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  const forged = [head, Buffer.from(JSON.stringify({ ...claims, email: 'mallory@example.com' })).toString('base64url'), signature].join('.');

  expect(await post(path, undefined, approve)).toEqual({ status: 401, body: { accepted: false, error: 'missing bearer token (an OIDC token: `mend login`)' } });
  expect(await post(path, forOtherApp, approve)).toEqual({ status: 401, body: { accepted: false, error: 'the token is for "another-app", not mend' } });
  expect(await post(path, fromElsewhere, approve)).toEqual({
    status: 401,
    body: { accepted: false, error: `the token was issued by ${elsewhere.issuer}, not ${ops.dex.issuer}` },
  });
  expect(await post(path, forged, approve)).toEqual({ status: 401, body: { accepted: false, error: "the token's signature does not verify against the issuer's keys" } });
  expect(await post(path, 'not-a-jwt', approve)).toEqual({ status: 401, body: { accepted: false, error: 'the bearer token is not a JWT' } });
  // Its 10 s run out (a condition, not a guess: the token's own exp).
  await waitFor(async () => Date.now() > claims.exp * 1000 + 1000, "alice's token to expire", 20_000);
  expect(await post(path, alice, approve)).toEqual({ status: 401, body: { accepted: false, error: `the token expired at ${new Date(claims.exp * 1000).toISOString()}` } });

  // The runbook still waits: none of it reached it.
  const view = await runbookView(fx.mend.client, handle);
  expect(view.approval?.approvedBy).toEqual([]);
  expect(view.approvals).toEqual([]);
  await handle.terminate('test over');
});

test('a non-approver is refused and recorded; "by" naming someone else is refused; a member of group sre approves', async () => {
  const handle = await incidentAwaitingApproval(fx);
  const mallory = await ops.cliAs('mallory', 'approve', handle.workflowId);
  expect(mallory).toMatchObject({ code: 3, out: 'refused: mallory@example.com is not an allowed approver' });
  const pretending = await ops.cliAs('mallory', 'approve', handle.workflowId, '--by', 'alice@example.com');
  expect(pretending).toMatchObject({ code: 3, out: 'refused: "by" says alice@example.com but the sender authenticated as mallory@example.com' });
  expect((await runbookView(fx.mend.client, handle)).approval?.approvedBy).toEqual([]);
  const bob = await ops.cliAs('bob', 'approve', handle.workflowId);
  expect(bob).toMatchObject({ code: 0, out: 'approved by bob@example.com' });
  const record = await handle.result();
  expect(record.attempts[0].approvals.map((a: ApprovalDecision) => [a.by, a.claimed, a.accepted])).toEqual([
    ['mallory@example.com', undefined, false],
    ['mallory@example.com', 'alice@example.com', false],
    ['bob@example.com', undefined, true],
  ]);
});

test('`mend login` signs alice in with the device flow in Chromium; her token then approves over HTTP', async () => {
  const handle = await incidentAwaitingApproval(fx);
  const tokenFile = join(scratchDir('login-'), 'token');
  process.env.MEND_TOKEN_FILE = tokenFile;
  const browser = await startBrowser();
  try {
    let prompt!: (line: string) => void;
    const prompted = new Promise<string>((resolve) => (prompt = resolve));
    const lines: string[] = [];
    const login = main(
      ['login'],
      (line) => (lines.push(line), prompt(line)),
      (line) => lines.push(line),
      ops.config,
    );
    const url = /^Open (\S+) and sign in/.exec(await prompted)![1];
    const { page } = browser;
    await page.goto(url);
    // Dex asks to confirm the code it was given, then for the user's email and password.
    const submit = page.getByRole('button', { name: /submit|continue|log in|login/i }).first();
    if (await page.locator('input[name="user_code"]').count()) await submit.click();
    await page.locator('input[name="login"]').fill(demoUsers.alice.email);
    await page.locator('input[name="password"]').fill(demoPassword('alice'));
    await page.getByRole('button', { name: /login/i }).click();
    await page.getByText(/login successful/i).waitFor();
    expect(await login).toBe(0);
    expect(lines.at(-1)).toMatch(new RegExp(`^signed in as alice@example.com until \\S+ \\(token in ${tokenFile}\\)$`));
  } finally {
    delete process.env.MEND_TOKEN_FILE;
    await browser.close();
  }
  const reply = await post(`/approvals/${handle.workflowId}`, readFileSync(tokenFile, 'utf8').trim(), { decision: 'approve' });
  expect(reply).toEqual({ status: 200, body: { accepted: true, text: 'approved by alice@example.com' } });
  expect((await handle.result()).attempts[0].approvals).toEqual([expect.objectContaining({ by: 'alice@example.com', channel: 'http', accepted: true })]);
});

test('`mend run` as bob goes through the gateway: bob is the requester and may not approve; alice may', async () => {
  await fillNearMaxmemory(fx.redis);
  const params = [`redis=${fx.mend.redisName()}`, 'pattern=session:*', 'below=0.9', 'stabilize=100ms'].flatMap((p) => ['--param', p]);
  const started = await ops.cliAs('bob', 'run', 'redis-memory-relief', '--severity', 'critical', '--json', ...params);
  expect(started).toMatchObject({ code: 0, err: '' });
  const handle = fx.mend.client.workflow.getHandle(JSON.parse(started.out).incidentId);
  await awaitApproval(fx.mend.client, handle);
  const timeline = (await handle.query(incidentStatusQuery)).timeline;
  expect(timeline).toContainEqual(expect.objectContaining({ event: 'requested', detail: expect.stringMatching(/^by bob@example.com \(cli: OIDC token from /) }));
  expect(await ops.cliAs('bob', 'approve', handle.workflowId)).toMatchObject({
    code: 3,
    out: 'refused: bob@example.com started this incident by hand and may not approve it (separation of duties)',
  });
  expect(await ops.cliAs('alice', 'approve', handle.workflowId)).toMatchObject({ code: 0, out: 'approved by alice@example.com' });
  expect(((await handle.result()) as RecoveryRecord).status).toBe('recovered');
  // Only approvers (approvals.requesters, by default) may start incidents by hand.
  expect(await ops.cliAs('mallory', 'run', 'redis-memory-relief', ...params)).toMatchObject({
    code: 1,
    err: 'mend: the gateway did not start the incident (403): mallory@example.com may not start incidents (approvals.requesters)',
  });
});
