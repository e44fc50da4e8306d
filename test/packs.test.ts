// A team's own pack, outside the repository: scaffolded with `mend new`, its generated test green under `mend test`,
// its histories replayed (and a change that breaks them caught), its runbook run from an alert through the gateway,
// while an incident of a built-in pack survives the worker restart that adds the pack. Broken packs stop the worker
// with the pack, the file and the reason.
import { decideAs } from './helpers/approvals';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Redis } from 'ioredis';
import { createActivities } from '../activities';
import { runbookFile } from '../cli/scaffold-templates';
import { parseConfig } from '../config/load';
import { unusedBundleAge, workflowBundle } from '../packs/bundle';
import { configPacks } from '../packs/load';
import { PackError } from '../packs/pack-error';
import { sdkModules } from '../packs/require-ts';
import { catalogEntries } from '../workflows/catalog';
import { incidentStatusQuery } from '../workflows/definitions';
import { incident } from '../workflows/incident';
import { builtCli as cli } from './helpers/cli';
import { startGateway } from './helpers/gateway';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisClient, testConfig } from './helpers/mend';
import { root, scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';
import { processConfigFile, startWorkerProcess, type WorkerProcess } from './helpers/worker-process';

const writeFiles = (dir: string, files: Record<string, string>) => Object.entries(files).forEach(([f, text]) => writeFileSync(join(dir, f), text));

/** A pack with one runbook (and, if given, an actions or a config module), written by hand for the error cases. */
function handPack(name: string, runbook: string, modules: { actions?: string; config?: string } = {}): string {
  const dir = scratchDir(`${name}-`);
  mkdirSync(join(dir, 'runbooks'));
  const manifest = { pack: name, ...(modules.actions && { actions: 'actions.ts' }), ...(modules.config && { config: 'config.ts' }) };
  writeFiles(dir, {
    'package.json': JSON.stringify({ name, mend: manifest }),
    'runbooks/main.ts': runbook,
    ...(modules.actions && { 'actions.ts': modules.actions }),
    ...(modules.config && { 'config.ts': modules.config }),
  });
  return dir;
}
const configOf = (schema: string) => `import { defineConfig, z } from 'mend';\nexport default defineConfig({ schema: ${schema} });\n`;

const runbookNamed = (name: string, body = '') => `import { defineRunbook, z } from 'mend';
${body}
export const r = defineRunbook({ name: '${name}', description: 'x', risk: 'low', params: z.object({}), target: () => 't/x', async run() { return { notNeeded: 'x' }; } });
`;

let server: RedisServer;
let redis: Redis;
let connection: Connection;
let client: Client;
let packDir: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  connection = await Connection.connect({ address: process.env.MEND_TEST_TEMPORAL! });
  client = new Client({ connection });
  packDir = join(scratchDir('team-'), 'sre-runbooks');
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await connection?.close();
  redis?.disconnect();
  await server?.stop();
});

test('a pack scaffolded outside mend: its generated test passes under mend test, and its histories replay', async () => {
  await cli(root, 'new', 'pack', packDir);
  await cli(root, 'new', 'runbook', 'app-recover', '--pack', packDir);
  const tested = await cli(packDir, 'test', '.', '--', '--ci');
  expect(tested.stderr).toMatch(/Tests: {7}2 passed, 2 total/);
  expect(JSON.parse(readFileSync(join(packDir, 'test', 'histories', 'index.json'), 'utf8'))).toEqual({ 'app-recover.pb': expect.stringMatching(/\/app-recover$/) });

  const replayed = await cli(packDir, 'replay', '.');
  expect(replayed.stdout).toContain('1 of 1 histories replay');
  // A change that would break the runbooks already running: one more action before the first.
  const file = join(packDir, 'runbooks', 'app-recover.ts');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace('const before =', 'await health();\n    const before ='));
  const broken = await cli(packDir, 'replay', '.').catch((err) => err);
  expect(broken.code).toBe(1);
  expect(broken.stdout).toMatch(/FAILED {2}app-recover\.pb: .*[Nn]ondetermin/);
  writeFileSync(file, original);
}, 600_000);

test("the README's runbook sample is the file mend new runbook writes (the test above compiles and runs it)", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const sample = /The generated runbook[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(sample).toBe(runbookFile('app-recover'));
  expect(readFileSync(join(packDir, 'runbooks', 'app-recover.ts'), 'utf8')).toBe(sample);
});

test("mend's entry points are package.json's exports, and TypeScript resolves each to its source", () => {
  const read = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8'));
  const entries = Object.keys(read('package.json').exports).filter((e) => e !== './package.json');
  const paths = Object.fromEntries(entries.map((e) => [e === '.' ? 'mend' : `mend/${e.slice(2)}`, [`./sdk/${e === '.' ? 'index' : e.slice(2)}.ts`]]));
  expect(read('tsconfig.json').compilerOptions.paths).toEqual(paths);
  expect(Object.keys(sdkModules).sort()).toEqual(Object.keys(paths).sort());
});

test('broken packs are refused with the pack, the file and the reason', async () => {
  const parse = (dir: string, extra: Record<string, unknown> = {}) => parseConfig({ packs: [dir], ...extra }, 'inline', {});
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err as Error;
    }
    throw new Error('not refused');
  };

  const duplicate = handPack('dup', runbookNamed('cache-warmup'));
  expect(refusal(() => parse(duplicate))).toMatchObject({
    pack: 'dup',
    file: join(duplicate, 'runbooks', 'main.ts'),
    message: expect.stringMatching(/runbook "cache-warmup" .* is already defined by pack redis in .*cache-warmup\.ts/),
  });

  const syntax = handPack('syntax', runbookNamed('syntax-one', 'const = 1;'));
  expect(refusal(() => parse(syntax))).toMatchObject({ pack: 'syntax', file: join(syntax, 'runbooks', 'main.ts'), reason: expect.stringMatching(/^does not load: /) });

  const configured = handPack('configured', runbookNamed('configured-one'), { config: configOf('z.object({ url: z.url() }).strict()') });
  expect(refusal(() => parse(configured, { configured: { url: 'not a url' } })).message).toMatch(/configured\.url: .* \(pack configured, .*config\.ts\)/);
  expect(parse(configured, { configured: { url: 'http://127.0.0.1:1' } }).configured).toEqual({ url: 'http://127.0.0.1:1' });

  const clash = handPack('clash', runbookNamed('clash-one'), {
    actions: "import { defineActions } from 'mend';\nexport default defineActions({ create: () => ({ httpCall: async () => 1 }) });\n",
  });
  const config = parse(clash);
  const activities = () => createActivities(config, client, configPacks(config));
  expect(refusal(activities)).toMatchObject({ pack: 'clash', reason: 'action "httpCall" is already defined by pack core' });
  const engine = handPack('engine', runbookNamed('engine-one'), {
    actions: "import { defineActions } from 'mend';\nexport default defineActions({ create: () => ({ acquireTarget: async () => 1 }) });\n",
  });
  const engineConfig = parse(engine);
  expect(refusal(() => createActivities(engineConfig, client, configPacks(engineConfig)))).toMatchObject({ reason: 'action "acquireTarget" is already defined by mend itself' });

  const io = handPack('io', runbookNamed('io-one', "import { readFileSync } from 'node:fs';\nexport const peek = () => readFileSync('/etc/hostname');"));
  const bundled = await workflowBundle(configPacks(parse(io)), { cacheDir: scratchDir('bundles-') }).catch((err) => err);
  expect(bundled).toBeInstanceOf(PackError);
  expect(bundled).toMatchObject({ pack: 'io', file: join(io, 'runbooks', 'main.ts'), reason: expect.stringMatching(/imports "fs"/) });
  expect(catalogEntries().find((e) => e.definition.name === 'configured-one')?.pack).toBe('configured');
}, 120_000);

test('a new bundle prunes the cached ones no worker used for 30 days and what a crashed bundler left, and keeps the rest', async () => {
  const cacheDir = scratchDir('bundles-');
  const [stale, recent] = ['0123456789abcdef0123', 'fedcba9876543210fedc'].map((key) => join(cacheDir, `workflow-bundle-${key}.js`));
  const crashed = join(cacheDir, 'entry-0123456789abcdef0123.4242.js');
  for (const file of [stale, recent, crashed]) writeFileSync(file, '//');
  const monthAgo = new Date(Date.now() - unusedBundleAge - 60_000);
  for (const file of [stale, crashed]) utimesSync(file, monthAgo, monthAgo);
  const built = await workflowBundle(configPacks(parseConfig({}, 'inline', {})), { cacheDir });
  expect(readdirSync(cacheDir).sort()).toEqual([basename(built), basename(recent)].sort());
}, 120_000);

test('a worker given a broken pack does not start, and says which pack, which file and why', async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [handPack('dup', runbookNamed('k8s-pod-restart')), {}, /pack dup: .*main\.ts: runbook "k8s-pod-restart" .* already defined by pack kubernetes/],
    [handPack('syntax', runbookNamed('syntax-one', 'const = 1;')), {}, /pack syntax: .*main\.ts: does not load: /],
    [
      handPack('configured', runbookNamed('configured-one'), { config: configOf('z.object({ port: z.number() })') }),
      { configured: { port: 'eighty' } },
      /configured\.port: .* \(pack configured, .*config\.ts\)/,
    ],
  ];
  for (const [dir, extra, message] of cases) {
    const config = { ...testConfig(undefined), packs: [dir], ...extra } as never;
    const failed = await startWorkerProcess(processConfigFile(config)).then(
      (w) => (workers.push(w), undefined),
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/exited 1/);
    expect(failed).toMatch(message);
  }
}, 120_000);

test("the pack's runbook runs from an alert through the gateway; an incident of a built-in pack survives the restart that adds it", async () => {
  let healthy = false;
  let recovers = 0;
  const app: Server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/admin/recover') {
      recovers++;
      healthy = true;
      return void res.end('ok');
    }
    res.statusCode = req.url === '/health' && healthy ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const taskQueue = `packs-${Date.now()}`;
  const before = testConfig(server.url, {}, taskQueue);
  try {
    writeFileSync(
      join(packDir, 'routes.yaml'),
      `- name: app-unhealthy\n  matchers: ['alertname="AppUnhealthy"', 'app!=""']\n  runbook: app-recover\n  params:\n    endpoint: '{{ labels.app }}'\n`,
    );
    // An incident of the built-in redis pack, waiting for approval on a worker that knows no team pack.
    workers.push(await startWorkerProcess(processConfigFile(before, taskQueue)));
    await fillNearMaxmemory(redis);
    const builtIn = await client.workflow.start(incident, {
      taskQueue,
      workflowId: `packs-builtin-${Date.now()}`,
      args: [{ runbook: 'redis-memory-relief', severity: 'critical', params: { redis: `${taskQueue}-0`, pattern: 'session:*', stabilize: '200ms' } }],
    });
    await awaitApproval(client, builtIn);
    await workers.pop()!.stop();

    // The team adds its pack: a new worker with it, the same task queue.
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const after = parseConfig({ ...before, packs: [packDir], core: { http: { app: { url } } } } as never, 'inline', {});
    workers.push(await startWorkerProcess(processConfigFile(after, taskQueue)));
    const gateway = await startGateway(after, { packRoutes: true });
    try {
      const alert = { labels: { alertname: 'AppUnhealthy', app: 'app' }, annotations: { summary: 'app answers 503' } };
      const reply = await gateway.post('/alerts', { alerts: [alert] });
      expect(reply.status).toBe(202);
      expect(reply.body.incidents).toEqual([expect.objectContaining({ runbook: 'app-recover', target: 'http/app' })]);
      const opened = client.workflow.getHandle(reply.body.incidents[0].incidentId);
      const record = await recordOf(opened);
      expect(record.status).toBe('recovered');
      expect(recovers).toBe(1);

      // Labels that carry a URL never make mend call it: the runbook takes an endpoint's name, not an address.
      let stolen = 0;
      const thief = createServer((_req, res) => void (stolen++, res.end()));
      await new Promise<void>((resolve) => thief.listen(0, '127.0.0.1', resolve));
      const hostile = { labels: { alertname: 'AppUnhealthy', app: `http://127.0.0.1:${(thief.address() as AddressInfo).port}/steal` } };
      const refused = await gateway.post('/alerts', { alerts: [hostile] });
      expect(refused.body.unrouted).toEqual([expect.objectContaining({ reason: expect.stringMatching(/invalid params for app-recover: endpoint: /) })]);
      await new Promise((resolve) => thief.close(resolve));
      expect(stolen).toBe(0);

      await decideAs(builtIn, 'alice', { comment: 'go' });
      expect((await builtIn.result()).status).toBe('recovered');
    } finally {
      await gateway.close();
    }
  } finally {
    await new Promise((resolve) => app.close(resolve));
  }
}, 300_000);

/** An alert-opened incident stays open until its alert resolves: wait for its record, not its end. */
const recordOf = (handle: WorkflowHandle) =>
  waitFor(async () => (await handle.query(incidentStatusQuery)).record, 'the incident to record its outcome', 60_000).catch(async (err) => {
    const view = await handle.query(incidentStatusQuery).catch(() => undefined);
    throw new Error(`${err.message}; the incident: ${JSON.stringify(view)}`);
  });
