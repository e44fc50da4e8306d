// Verification by PromQL (the core pack's promQuery) against a real Prometheus scraping a real redis_exporter: it
// passes only once Prometheus itself sees the recovery, and held for quietFor, not when the target changed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { runbookView } from './helpers/incident';
import { redisClient, startMend, type Mend } from './helpers/mend';
import { startPrometheusOnRedis, type Prometheus } from './helpers/prometheus';
import { scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';

/** A pack whose one runbook waits until a PromQL expression has returned nothing for quietFor. */
function quietPack(): string {
  const dir = scratchDir('quiet-pack-');
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'quiet', mend: { pack: 'quiet' } }));
  writeFileSync(
    join(dir, 'runbooks', 'prom-quiet.ts'),
    `import { defineRunbook, z } from 'mend';
import type { CoreActions } from 'mend/core';
export const promQuiet = defineRunbook({
  name: 'prom-quiet',
  description: 'Verify that a PromQL expression returns nothing for a while',
  risk: 'low',
  params: z.object({ query: z.string(), quietFor: z.string().default('3s') }),
  target: () => 'quiet/prom',
  async run(kit, p) {
    const core = kit.activities<CoreActions>();
    await kit.verify('the expression returns nothing', async () => {
      const answer = await core.promQuery({ query: p.query, quietFor: p.quietFor });
      return { ok: answer.series === 0, evidence: answer };
    }, { within: '60s', every: '500ms' });
  },
});
`,
  );
  return dir;
}

let server: RedisServer;
let redis: Redis;
let prometheus: Prometheus;
let mend: Mend;

beforeAll(async () => {
  server = await startRedis();
  redis = redisClient(server.url);
  prometheus = await startPrometheusOnRedis(server.url);
  mend = await startMend({ redisUrl: server.url, config: { packs: [quietPack()], core: { prometheus: { default: { url: prometheus.url } } } } });
}, 120_000);
afterAll(async () => {
  await mend?.stop();
  await prometheus?.stop();
  redis?.disconnect();
  await server?.stop();
});

test('a PromQL verification passes only after Prometheus has seen the recovery for quietFor', async () => {
  const pipeline = redis.pipeline();
  for (let i = 0; i < 200; i++) pipeline.set(`session:${i}`, 'x');
  await pipeline.exec();
  const query = 'redis_db_keys{db="db0"} > 100';
  await waitFor(async () => (await prometheus.query(query)).length === 1, 'Prometheus to see 200 keys');

  const handle = await mend.start({ runbook: 'prom-quiet', severity: 'warning', params: { query, quietFor: '3s' } });
  await waitFor(async () => ((await runbookView(mend.client, handle)).verifications[0]?.checks ?? 0) >= 2, 'the verification to fail twice');
  await redis.flushall();
  const fixedAt = Date.now();
  expect(await redis.dbsize()).toBe(0);

  const record = await handle.result();
  expect(record.status).toBe('recovered');
  const [verification] = record.attempts[0].verifications;
  expect(verification.ok).toBe(true);
  expect(verification.checks).toBeGreaterThan(2);
  expect(verification.evidence).toMatchObject({ series: 0, query });
  // Redis was empty at fixedAt; Prometheus had to scrape that and see it hold for 3 s.
  expect(Date.parse(verification.at)).toBeGreaterThanOrEqual(fixedAt + 3000);
}, 120_000);

test('a query Prometheus refuses fails the verification at once, naming the query', async () => {
  const record = await mend.run({ runbook: 'prom-quiet', severity: 'warning', params: { query: 'redis_db_keys{', quietFor: '1s' } });
  expect(record.attempts[0].status).toBe('failed');
  expect(record.attempts[0].reason).toMatch(/Prometheus default refused "redis_db_keys\{": /);
});
