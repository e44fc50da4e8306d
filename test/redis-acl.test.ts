// The shipped least-privilege ACL (deploy/redis/mend.acl) is enough for every Redis runbook, and no more.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { fillNearMaxmemory, redisClient, redisTargets, startMend, type Mend } from './helpers/mend';
import { root, startRedis, type RedisServer } from './helpers/processes';

let server: RedisServer;
let admin: Redis;
let mend: Mend;
const password = 'acl-test-secret';

beforeAll(async () => {
  server = await startRedis();
  admin = redisClient(server.url);
  const line = readFileSync(join(root, 'deploy', 'redis', 'mend.acl'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('user mend '))!;
  const rules = line
    .replace(/^user mend /, '')
    .split(/\s+/)
    .map((r) => (r.startsWith('>') ? `>${password}` : r));
  await admin.call('ACL', 'SETUSER', 'mend', 'reset', ...rules);
  process.env.MEND_TEST_REDIS_PASSWORD = password;
  const url = server.url.replace('redis://', 'redis://mend@');
  mend = await startMend({ redisUrl: url, policy: { refuseDestructiveWithoutUndo: false, approval: { risks: [] } } });
  for (const target of Object.values(redisTargets(mend.config))) target.passwordEnv = 'MEND_TEST_REDIS_PASSWORD';
});
afterAll(async () => {
  await mend?.stop();
  admin?.disconnect();
  await server?.stop();
});

test('the mend user cannot run what it does not need', async () => {
  const asMend = redisClient(server.url.replace('redis://', `redis://mend:${password}@`));
  try {
    await expect(asMend.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
    await expect(asMend.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
    await expect(asMend.call('SHUTDOWN')).rejects.toThrow(/NOPERM/);
  } finally {
    asMend.disconnect();
  }
});

test('every Redis runbook succeeds as the mend user', async () => {
  await fillNearMaxmemory(admin);
  const relief = await mend.run({ runbook: 'redis-memory-relief', severity: 'warning', params: { redis: mend.redisName(), pattern: 'session:*', stabilize: '100ms' } });
  expect(relief.status).toBe('recovered');

  await admin.config('SET', 'maxmemory', String(1 << 30));
  await admin.set('session:keep', 'x');
  const undone = await mend.run({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.0000001, maxmemoryBytes: 1 << 29, stabilize: '100ms', verifyWithin: '1s' },
  });
  // First rung undone (RESTORE, CONFIG SET), then the ladder's heavier rung flushes (EXISTS, EVAL of FLUSHDB + SET, DBSIZE).
  expect(undone.attempts.map((a) => a.status)).toEqual(['failed', 'verified']);
  expect(undone.attempts[0].steps.map((s) => s.status)).toEqual(['undone', 'undone']);
  expect(await admin.keys('*')).toEqual([expect.stringMatching(/^mend:flushed:/)]); // the flush's marker only

  await admin.flushall();
  const source = await startSourceOfTruth(50);
  const load = startReadLoad(admin, 50);
  try {
    const warm = await mend.run({
      runbook: 'cache-warmup',
      severity: 'warning',
      params: { redis: mend.redisName(), source: source.url, hotKeys: 50, sample: '1s', stabilize: '100ms' },
    });
    expect(warm.status).toBe('recovered');
    expect(await admin.exists(productKey(1))).toBe(1);
  } finally {
    await load.stop();
    await source.close();
  }
});

test('an ACL that refuses the flush marker flushes nothing', async () => {
  await admin.flushall();
  await admin.set('product:1', 'kept');
  await admin.call('ACL', 'SETUSER', 'mend', 'resetkeys', '~product:*', '~session:*');
  try {
    const flush = await mend.run({ runbook: 'redis-flush-cache', severity: 'warning', params: { redis: mend.redisName(), verifyWithin: '1s' } });
    expect(flush.attempts[0].status).toBe('failed');
    expect(flush.attempts[0].steps[0].error).toMatch(/NOPERM/);
    expect(await admin.keys('*')).toEqual(['product:1']);
  } finally {
    await admin.call('ACL', 'SETUSER', 'mend', 'resetkeys', '~*');
  }
});
