// Game days on a schedule, against the real dev server and worker: `mend drill schedule` creates, shows, updates and
// deletes a Temporal Schedule whose runs are `drill --all`; bad input starts nothing. A drill's end reaches the worker's
// mend_drill_* metrics, a refused one too.
import { ScheduleNotFoundError } from '@temporalio/client';
import type { DrillRunResult } from '../drills/result';
import { scheduleId } from '../cli/drill-schedule';
import { runCli } from './helpers/cli';
import { startMend, type Mend } from './helpers/mend';
import { scratchDir, startRedis, type RedisServer } from './helpers/processes';
import { waitFor } from './helpers/wait';

let server: RedisServer;
let mend: Mend;

beforeAll(async () => {
  server = await startRedis();
  mend = await startMend({ redisUrl: server.url, config: { drills: { dir: scratchDir('drills-') } } });
});
afterAll(async () => {
  await mend?.client.schedule
    .getHandle(scheduleId)
    .delete()
    .catch(() => undefined);
  await mend?.stop();
  await server?.stop();
});

const cli = (...args: string[]) => runCli(mend.config, ...args);

test('drill schedule: created, shown, run by Temporal as `drill --all`, updated, deleted; bad input creates nothing', async () => {
  expect(await cli('drill', 'schedule')).toMatchObject({ code: 2, err: expect.stringMatching(/needs --every \(e\.g\. 1d\) or --cron/) });
  expect(await cli('drill', 'schedule', '--every', '10s')).toMatchObject({ code: 2, err: expect.stringMatching(/at least 1m/) });
  expect(await cli('drill', 'schedule', '--every', '1d', '--budget', 'soon')).toMatchObject({ code: 2, err: expect.stringMatching(/--budget must be a duration/) });
  await expect(mend.client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

  const created = await cli('drill', 'schedule', '--every', '1d', '--budget', '2m');
  expect(created).toMatchObject({ code: 0, out: expect.stringMatching(/created schedule mend-game-day\nschedule mend-game-day: every 1d/) });
  const handle = mend.client.schedule.getHandle(scheduleId);
  const described = await handle.describe();
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'drillRun', taskQueue: mend.taskQueue, args: [{ all: true, budget: '2m' }] });

  // What the Schedules page's "Trigger" does: a run of every scenario with a target marked for drills (here none).
  await handle.trigger();
  const started = await waitFor(async () => (await handle.describe()).info.recentActions[0]?.action.workflow, 'the scheduled run to start');
  const run = (await mend.client.workflow.getHandle(started.workflowId).result()) as DrillRunResult;
  expect(run.drills).toEqual([]);

  expect(await cli('drill', 'schedule', '--cron', '0 3 * * 1')).toMatchObject({ code: 0, out: expect.stringContaining('updated schedule mend-game-day') });
  expect((await handle.describe()).spec.calendars?.length).toBe(1);
  expect(await cli('drill', 'schedule', 'show')).toMatchObject({ code: 0, out: expect.stringContaining(`ran `) });
  expect(await cli('drill', 'schedule', 'delete')).toMatchObject({ code: 0, out: 'deleted schedule mend-game-day' });
  expect(await cli('drill', 'schedule', 'show')).toMatchObject({ code: 2, err: expect.stringContaining('there is no schedule mend-game-day') });
});

test("a refused drill ends in the worker's mend_drills_total", async () => {
  const target = mend.redisName();
  const { code, out } = await cli('drill', 'redis-cache-flushed', '--target', target);
  expect(code).toBe(4);
  expect(out).toMatch(new RegExp(`redis-cache-flushed: not run \\(.*refused: ${target} is not marked \`drill: allowed\``));
  const metrics = await mend.metrics.registry.getSingleMetricAsString('mend_drills_total');
  expect(metrics).toContain('mend_drills_total{scenario="redis-cache-flushed",outcome="not run"} 1');
});
