// The Temporal dev server restarts (same data file) while an incident waits for approval: nothing is lost.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { approveSignal } from '../workflows/definitions';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { scratchDir, startDevServer, startRedis, type DevServer, type RedisServer } from './helpers/processes';

let server: RedisServer;
let redis: Redis;
let temporal: DevServer;
let mend: Mend;

afterAll(async () => {
  await mend?.stop();
  await temporal?.stop();
  redis?.disconnect();
  await server?.stop();
});

test('an approval sent after a dev-server restart still reaches the waiting incident', async () => {
  const dbFile = join(scratchDir('restart-'), 'temporal.db');
  server = await startRedis();
  redis = redisClient(server.url);
  temporal = await startDevServer({ dbFile });
  mend = await startMend({ redisUrl: server.url, address: temporal.address });
  await fillNearMaxmemory(redis);

  const handle = await mend.start({
    runbook: 'redis-memory-relief',
    severity: 'critical',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '100ms' },
  });
  await awaitApproval(mend.client, handle);

  await temporal.stop();
  temporal = await startDevServer({ dbFile, port: temporal.port });

  await handle.signal(approveSignal, { by: 'carol', comment: 'after the restart' });
  const record = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([expect.objectContaining({ by: 'carol', accepted: true })]);
  expect(await redis.exists('session:0')).toBe(0);
});
