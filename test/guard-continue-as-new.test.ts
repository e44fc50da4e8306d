// The guard continues as new only between turns: on a dev server that suggests it after 20 history events, a queue
// built while the holder waits for approval is served in order through the suggestion, and the new run keeps the
// attempt budget (the next incident is refused by the attempts of the old run).
import { decideAs } from './helpers/approvals';
import { guardStateQuery, guardWorkflowId } from '../workflows/definitions';
import type { RecoveryRecord } from '../common/types';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { type DevServer, type RedisServer, startDevServer, startRedis } from './helpers/processes';
import { waitFor } from './helpers/wait';
import type { Redis } from 'ioredis';

let server: DevServer;
let redisServer: RedisServer;
let redis: Redis;
let mend: Mend;

beforeAll(async () => {
  [server, redisServer] = await Promise.all([startDevServer({ dynamicConfig: ['limit.historyCount.suggestContinueAsNew=20'] }), startRedis()]);
  redis = redisClient(redisServer.url);
  // Memory relief (medium risk) waits for approval before it acts; five attempts per hour.
  const policy = { approval: { approvers: ['alice'], risks: ['medium'] }, attempts: { max: 5, window: '1h' } };
  mend = await startMend({ redisUrl: redisServer.url, address: server.address, policy });
});
afterAll(async () => {
  await mend?.stop();
  redis?.disconnect();
  await Promise.all([redisServer?.stop(), server?.stop()]);
});

test('a queue outlives the continue-as-new suggestion, served in order; the new run keeps the attempt budget', async () => {
  const name = mend.redisName();
  const input = { runbook: 'redis-memory-relief', severity: 'warning' as const, params: { redis: name, pattern: 'session:*', stabilize: '1s' } };
  const guard = mend.client.workflow.getHandle(guardWorkflowId(`redis/${name}`));
  await fillNearMaxmemory(redis);
  const holder = await mend.start(input);
  await awaitApproval(mend.client, holder);
  const queued = [];
  for (let i = 0; i < 4; i++) {
    queued.push(await mend.start(input));
    await waitFor(async () => (await guard.query(guardStateQuery)).waiting.length === i + 1, `incident ${i + 1} to queue`);
  }
  const firstRun = (await guard.describe()).runId;
  // By now the guard's history is past the suggestion, with a holder and four queued.
  expect((await guard.fetchHistory()).events!.length).toBeGreaterThan(20);

  await decideAs(holder, 'alice', { comment: 'go' });
  const records: RecoveryRecord[] = [await holder.result()];
  for (const q of queued) records.push(await q.result());
  expect(records.map((r) => r.status)).toEqual(['recovered', 'not-needed', 'not-needed', 'not-needed', 'not-needed']);
  const acquired = records.map((r) => Date.parse(r.timeline.find((e) => e.event === 'target acquired')!.at));
  expect([...acquired].sort((a, b) => a - b)).toEqual(acquired);

  // Idle after the queue: the guard continued as new, carrying the five attempts.
  await waitFor(async () => (await guard.describe()).runId !== firstRun, 'the guard to continue as new');
  const old = await mend.client.workflow.getHandle(guard.workflowId, firstRun).describe();
  expect(old.status.name).toBe('CONTINUED_AS_NEW');
  expect((await guard.query(guardStateQuery)).attempts).toHaveLength(5);
  const sixth = await mend.run(input);
  expect(sixth.status).toBe('refused');
  expect(sixth.reason).toMatch(/attempt budget spent: 5 of 5/);
});
