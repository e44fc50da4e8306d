// A destructive step that fails partway is undone too. The fault is real: a Redis ACL lets mend read every
// session:* key but delete only session:1*, so the delete removes some keys and then fails with NOPERM.
import { redisClient, redisState, redisTargets, startMend, type Mend } from './helpers/mend';
import { startRedis, type RedisServer } from './helpers/processes';

let server: RedisServer;
let mend: Mend;
const admin = () => redisClient(server.url);

beforeAll(async () => {
  server = await startRedis();
  const a = admin();
  await a.call(
    'ACL',
    'SETUSER',
    'partial',
    'reset',
    'on',
    '>partial-secret',
    '%R~session:*',
    '%W~session:1*',
    '+info',
    '+config|get',
    '+scan',
    '+dump',
    '+pexpiretime',
    '+eval',
    '+del',
    '+exists',
    '+restore',
    '+ping',
  );
  a.disconnect();
  process.env.MEND_TEST_PARTIAL_PASSWORD = 'partial-secret';
  mend = await startMend({ redisUrl: server.url.replace('redis://', 'redis://partial@'), policy: { retry: { maximumAttempts: 2, initialInterval: '100ms' } } });
  for (const target of Object.values(redisTargets(mend.config))) target.passwordEnv = 'MEND_TEST_PARTIAL_PASSWORD';
});
afterAll(async () => {
  await mend?.stop();
  await server?.stop();
});

test('keys deleted before the step failed are restored, and Redis ends as it began', async () => {
  const a = admin();
  try {
    const pipeline = a.pipeline();
    for (let i = 0; i < 200; i++) pipeline.set(`session:${i}`, `value ${i}`, 'EX', 3600);
    await pipeline.exec();
    await a.config('SET', 'maxmemory', String(1 << 30));
    const before = await redisState(a);

    const record = await mend.run({
      runbook: 'redis-memory-relief',
      severity: 'warning',
      params: { redis: mend.redisName(), pattern: 'session:*', below: 0.0000001 },
    });
    const [attempt] = record.attempts;
    expect(attempt.status).toBe('failed');
    expect(attempt.steps).toEqual([expect.objectContaining({ name: 'delete keys matching session:*', status: 'undone' })]);
    expect(attempt.steps[0].error).toMatch(/NOPERM/);
    expect(await redisState(a)).toEqual(before);
  } finally {
    a.disconnect();
  }
});
