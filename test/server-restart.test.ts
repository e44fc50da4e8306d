// The Temporal dev server restarts (same data file) in the middle of an activity, of a stabilization timer, of a
// failover, and while an incident waits for approval: everything resumes, and each side effect happens as often as
// without the restart (counted by Redis and MariaDB themselves).
import { decideAs } from './helpers/approvals';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { RecoveryRecord } from '../common/types';
import { productKey, startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { commandCalls } from './helpers/crash-redis';
import { createOrdersTable, insertRows, missingRows } from './helpers/db-writer';
import { awaitApproval, runbookView } from './helpers/incident';
import { expectLosslessSemiSync, globalStatus, kill9, type MariadbTopology, mysqlConfig, promotedIn, startMariadbTopology } from './helpers/mariadb';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { scratchDir, startDevServer, startRedis, type DevServer, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';

const dir = scratchDir('restart-');
const dbFile = join(dir, 'temporal.db');
// The failover's pre-failover hook says it started, then waits until the test lets it go on.
const hookStarted = join(dir, 'hook-started');
const hookRelease = join(dir, 'hook-release');
let server: RedisServer;
let redis: Redis;
let db: MariadbTopology;
let temporal: DevServer;
let mend: Mend;

beforeAll(async () => {
  [server, db, temporal] = await Promise.all([startRedis(), startMariadbTopology(), startDevServer({ dbFile })]);
  redis = redisClient(server.url);
  await createOrdersTable(db);
  const hook = ['/bin/sh', '-c', `touch ${hookStarted}; while [ ! -e ${hookRelease} ]; do sleep 0.05; done`];
  mend = await startMend({ redisUrl: server.url, address: temporal.address, mysql: mysqlConfig(db, 'restart', { hooks: { preFailover: [hook] } }) });
});
afterAll(async () => {
  await mend?.stop();
  await temporal?.stop();
  redis?.disconnect();
  await Promise.all([server?.stop(), db?.stop()]);
});

async function restartTemporal(): Promise<void> {
  await temporal.stop();
  temporal = await startDevServer({ dbFile, port: temporal.port });
}

test('restarted while an activity runs: the warm-up finishes, each key is written once, the incident recovers', async () => {
  const products = 50;
  const source = await startSourceOfTruth(products);
  const load = startReadLoad(redis, products);
  try {
    const gate = source.hold();
    const before = await commandCalls(redis, 'set');
    const handle = await mend.start({
      runbook: 'cache-warmup',
      severity: 'warning',
      params: { redis: mend.redisName(), source: source.url, hotKeys: products, sample: '500ms', stabilize: '1s', verifyWithin: '30s' },
    });
    await waitFor(async () => gate.held() > 0, 'the warm-up to ask the source of truth');
    await restartTemporal();
    gate.release();
    const record: RecoveryRecord = await handle.result();
    expect(record.status).toBe('recovered');
    expect((await commandCalls(redis, 'set')).set - before.set).toBe(products);
    expect(await redis.exists(...Array.from({ length: products }, (_, i) => productKey(i)))).toBe(products);
  } finally {
    await load.stop();
    await source.close();
  }
});

test('restarted during the stabilization timer: it fires after the restart and the incident recovers', async () => {
  await fillNearMaxmemory(redis);
  const handle = await mend.start({
    runbook: 'redis-memory-relief',
    severity: 'warning',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '4s' },
  });
  await waitFor(async () => (await runbookView(mend.client, handle)).waitingFor === 'stabilization for 4s', 'the stabilization timer');
  await restartTemporal();
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  const [attempt] = record.attempts;
  expect(Date.parse(attempt.verifiedAt!) - Date.parse(attempt.fixedAt!)).toBeGreaterThanOrEqual(4_000);
  expect(await redis.exists('session:0')).toBe(0);
});

test('restarted in the middle of a failover: it promotes once, and no acknowledged row is lost', async () => {
  await insertRows(db, 50);
  await expectLosslessSemiSync(db);
  kill9(db, 0);
  const handle = await mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'restart' } });
  // Dead confirmed and the candidate chosen; nothing changed yet.
  try {
    await waitFor(async () => existsSync(hookStarted), 'the pre-failover hook', 60_000);
    await restartTemporal();
  } finally {
    writeFileSync(hookRelease, ''); // never leave the hook waiting
  }
  const record: RecoveryRecord = await handle.result();
  expect(record.status).toBe('recovered');
  const promoted = promotedIn(record);
  // STOP SLAVE and RESET SLAVE ALL once on the promoted server.
  expect(await globalStatus(db, db.nodes.indexOf(promoted), 'Com_reset')).toBe('1');
  const acked = Array.from({ length: 50 }, (_, i) => i + 1);
  expect(await missingRows(db, acked, promoted)).toEqual({ missing: [], rows: 50 });
});

test('an approval sent after a dev-server restart still reaches the waiting incident', async () => {
  await fillNearMaxmemory(redis);
  const handle = await mend.start({
    runbook: 'redis-memory-relief',
    severity: 'critical',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '100ms' },
  });
  await awaitApproval(mend.client, handle);
  await restartTemporal();

  await decideAs(handle, 'carol', { comment: 'after the restart' });
  const record = await handle.result();
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].approvals).toEqual([expect.objectContaining({ by: 'carol', accepted: true })]);
  expect(await redis.exists('session:0')).toBe(0);
});
