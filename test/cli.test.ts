// The `mend` CLI against the real dev server and a real worker, errors included.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { catalogEntries } from '../workflows/catalog';
import type { IncidentView } from '../workflows/definitions';
import { runCli } from './helpers/cli';
import { startOperators, type Operators } from './helpers/operators';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { alertmanagerPayload } from './fixtures/alerts';
import { root, scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';

let server: RedisServer;
let mend: Mend;
let ops: Operators;

beforeAll(async () => {
  server = await startRedis();
  mend = await startMend({ redisUrl: server.url });
  ops = await startOperators(mend.config);
});
afterAll(async () => {
  await ops?.stop();
  await mend?.stop();
  await server?.stop();
});

const mendCli = (...args: string[]) => runCli(mend.config, ...args);

async function exists(id: string): Promise<boolean> {
  try {
    await mend.client.workflow.getHandle(id).describe();
    return true;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

test('runbooks lists every runbook with its params and risk', async () => {
  const { code, out } = await mendCli('runbooks');
  expect(code).toBe(0);
  expect(out).toContain('cache-warmup  (risk: low)');
  expect(out).toContain('redis-memory-relief  (risk: medium)');
  expect(out).toMatch(/--param pattern=<string>\s+required/);
  const json = JSON.parse((await mendCli('runbooks', '--json')).out);
  expect(json.map((r: { name: string }) => r.name)).toEqual(catalogEntries().map((e) => e.definition.name));
});

test('run refuses bad input with a clear error and starts nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['run', 'no-such-runbook'], /unknown runbook "no-such-runbook" \(known: cache-warmup/],
    [['run', 'redis-memory-relief', '--param', 'redis=x'], /invalid params for redis-memory-relief:\n {2}- pattern: /],
    [['run', 'redis-memory-relief', '--param', 'pattern=*'], /pattern: a pattern of wildcards alone would delete everything/],
    [['run', 'redis-memory-relief', '--param', 'pattern=s:*', '--param', 'below=high'], /below: /],
    [['run', 'redis-memory-relief', '--param', 'pattern=s:*', '--param', 'colour=red'], /has no param "colour"/],
    [['run', 'redis-memory-relief', '--param', 'nokey'], /--param expects key=value/],
    [['run', 'redis-memory-relief', '--param', 'pattern=s:*', '--severity', 'urgent'], /--severity must be one of info, warning, critical/],
    [['run'], /run takes exactly one runbook name/],
    [['run', 'redis-memory-relief', '--param', 'pattern=s:*', '--id', 'guard/redis/default'], /--id must be/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['status', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const id = `bad-input-${Math.random().toString(36).slice(2)}`;
    const { code, err } = await mendCli(...args, ...(args[0] === 'run' && !args.includes('--id') ? ['--id', id] : []));
    expect({ args, code }).toEqual({ args, code: 2 });
    expect(err).toMatch(message);
    expect(await exists(id)).toBe(false);
  }
});

test('run, status and incidents on a dry-run incident', async () => {
  const id = `cli-dry-${Date.now()}`;
  const redis = mend.redisName();
  const run = await mendCli('run', 'redis-memory-relief', '--param', `redis=${redis}`, '--param', 'pattern=session:*', '--dry-run', '--id', id);
  expect(run.code).toBe(0);
  expect(run.out).toContain(`started incident ${id} (redis-memory-relief on redis/${redis})`);
  expect(run.out).toContain(`/namespaces/default/workflows/${id}`);
  await mend.client.workflow.getHandle(id).result();

  const status = await mendCli('status', id);
  expect(status.code).toBe(0);
  expect(status.out).toContain(`incident ${id} on redis/${redis}:`);
  expect(status.out).toContain('runbook redis-memory-relief (dry-run)');
  const json = JSON.parse((await mendCli('status', id, '--json')).out) as { incident: IncidentView };
  expect(json.incident.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['fault started', 'detected', 'diagnosed']));

  const listed = await waitFor(async () => {
    const r = await mendCli('incidents', '--target', `redis/${redis}`, '--json');
    const rows = JSON.parse(r.out) as { id: string; status: string }[];
    return rows.find((row) => row.id === id && row.status !== 'open') ? rows : undefined;
  }, 'the incident to be listed with its final status');
  expect(listed).toHaveLength(1);
  const table = await mendCli('incidents', '--runbook', 'redis-memory-relief');
  expect(table.out.split('\n')[0]).toMatch(/^ID\s+STATUS\s+RUNBOOK\s+TARGET\s+SEVERITY\s+STARTED$/);
  expect((await mendCli('incidents', '--target', 'redis/none-such')).out).toBe('no incidents match');
  expect((await mendCli('incidents', '--severity', 'bad')).code).toBe(2);
  expect((await mendCli('incidents', '--status', "x' OR 1=1")).code).toBe(2);
  expect((await mendCli('status', 'no-such-incident')).err).toMatch(/no incident "no-such-incident"/);
});

test('approve and reject through the CLI, with the policy checking the approver', async () => {
  const redis = redisClient(server.url);
  await fillNearMaxmemory(redis);
  const start = async (id: string) => {
    const r = await mendCli(
      'run',
      'redis-memory-relief',
      '--severity',
      'critical',
      '--id',
      id,
      '--param',
      `redis=${mend.redisName()}`,
      '--param',
      'pattern=session:*',
      '--param',
      'below=0.9',
    );
    expect(r.code).toBe(0);
    await waitFor(async () => (await mendCli('status', id)).out.includes('approval: 0/1'), 'approval to be requested');
  };
  try {
    await start('cli-approve');
    process.env.MEND_TOKEN_FILE = join(scratchDir('no-token-'), 'token');
    expect(await mendCli('approve', 'cli-approve')).toMatchObject({ code: 2, err: expect.stringMatching(/^mend: no token in \S+: sign in with `mend login`/) });
    delete process.env.MEND_TOKEN_FILE;
    const outsider = await ops.cliAs('mallory', 'approve', 'cli-approve');
    expect(outsider).toMatchObject({ code: 3, out: 'refused: mallory is not an allowed approver' });
    const allowed = await ops.cliAs('alice', 'approve', 'cli-approve', '--comment', 'ok');
    expect(allowed).toMatchObject({ code: 0, out: 'approved by alice' });
    const approved = await mend.client.workflow.getHandle('cli-approve').result();
    expect(approved.attempts[0].approvals.map((a: { by: string; accepted: boolean }) => [a.by, a.accepted])).toEqual([
      ['mallory', false],
      ['alice', true],
    ]);
    expect(approved.status).toBe('recovered');
    expect(await redis.exists('session:1')).toBe(0);
    expect((await ops.cliAs('alice', 'approve', 'cli-approve')).err).toMatch(/not waiting for approval/);

    await fillNearMaxmemory(redis);
    await start('cli-reject');
    expect(await ops.cliAs('bob', 'reject', 'cli-reject', '--comment', 'no')).toMatchObject({ code: 0, out: 'rejected by bob' });
    const rejected = await mend.client.workflow.getHandle('cli-reject').result();
    expect(rejected.status).toBe('rejected');
    expect(await redis.exists('session:1')).toBe(1);
    expect((await ops.cliAs('alice', 'approve', 'no-such-incident')).code).toBe(2);
  } finally {
    await redis.config('SET', 'maxmemory', '0');
    redis.disconnect();
  }
});

test('the installed bin runs as a process with exit codes', async () => {
  const bin = join(root, 'dist', 'cli', 'main.js');
  const run = promisify(execFile);
  const help = await run('node', [bin, '--help']);
  expect(help.stdout).toContain('usage: mend <command>');
  await expect(run('node', [bin, 'frobnicate'])).rejects.toMatchObject({ code: 2 });
  const list = await run('node', [bin, 'runbooks', '--json']);
  expect(JSON.parse(list.stdout)).toHaveLength(catalogEntries().length);
});

test('a spent attempt budget: refused until an approver of the policy overrides it with `mend override`', async () => {
  const redis = redisClient(server.url);
  await redis.config('SET', 'maxmemory', '0'); // nothing to relieve: a granted attempt ends "not needed"
  redis.disconnect();
  const name = mend.redisName(); // a target of its own
  const input = { runbook: 'redis-memory-relief', severity: 'warning' as const, params: { redis: name, pattern: 'session:*' } };
  for (let i = 0; i < 3; i++) expect((await mend.run(input)).status).toBe('not-needed');
  expect((await mend.run(input)).reason).toMatch(/attempt budget spent: 3 of 3/);

  const target = `redis/${name}`;
  expect(await ops.cliAs('mallory', 'override', target, '--comment', 'let me')).toMatchObject({ code: 3, out: 'refused: mallory is not an allowed approver' });
  expect((await mend.run(input)).status).toBe('refused');
  expect(await ops.cliAs('carol', 'override', target, '--comment', 'the cause is fixed')).toMatchObject({
    code: 0,
    out: 'done: budget and cooldown reset by carol: the cause is fixed',
  });
  expect((await mend.run(input)).status).toBe('not-needed');
});

test('routes lists every route in the order tried; routes test says what each alert of a payload would open, or why not', async () => {
  const listed = await mendCli('routes', '--json');
  const names = JSON.parse(listed.out).map((r: { name: string }) => r.name);
  expect(names.slice(0, 3)).toEqual(['redis/redis-memory', 'redis/redis-cache-cold', 'redis/zabbix-redis-memory']);
  expect(names).toContain('mysql/mysql-down');

  const file = join(scratchDir('routes-'), 'payload.json');
  writeFileSync(
    file,
    JSON.stringify(
      alertmanagerPayload([
        { labels: { alertname: 'RedisMemoryHigh', redis: 'cache-1' }, annotations: { expendable_keys: 'session:*' } },
        { labels: { alertname: 'RedisMemoryHigh', redis: 'cache-2' } },
        { labels: { alertname: 'DiskFull', instance: 'db1:9100' } },
      ]),
    ),
  );
  const tested = await mendCli('routes', 'test', '--file', file);
  expect(tested.code).toBe(1);
  expect(tested.out.split('\n')).toEqual([
    'RedisMemoryHigh (firing) {alertname="RedisMemoryHigh", redis="cache-1"}',
    '  → route redis/redis-memory: redis-memory-relief {"redis":"cache-1","pattern":"session:*"} on redis/cache-1, warning',
    'RedisMemoryHigh (firing) {alertname="RedisMemoryHigh", redis="cache-2"}',
    '  → not routed: route redis/redis-memory: param "pattern" needs annotations.expendable_keys',
    'DiskFull (firing) {alertname="DiskFull", instance="db1:9100"}',
    '  → not routed: no route matches',
  ]);
  writeFileSync(file, '{"version": "4"}');
  expect(await mendCli('routes', 'test', '--file', file)).toMatchObject({ code: 2, err: expect.stringMatching(/^mend: not a payload from alertmanager:\n {2}- /) });
  expect(await mendCli('routes', 'test', '--source', 'nagios', '--file', file)).toMatchObject({
    code: 2,
    err: 'mend: unknown source "nagios" (one of alertmanager, grafana, zabbix, generic)',
  });
});
