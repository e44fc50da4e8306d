// `mend drill schedule`: game days on a Temporal Schedule that starts `mend drill --all` (paused, resumed and
// triggered from the Temporal UI's Schedules page); `show` and `delete` it.
import { ScheduleAlreadyRunning, type ScheduleHandle, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { isDuration, toMs } from '../common/duration';
import type { Duration } from '../common/types';
import { drillRun } from '../workflows/drill';
import type { DrillInput } from '../workflows/drill-definitions';
import { checkBudget } from './drill';
import type { Session } from './session';
import { UsageError } from '../client/usage-error';

export const scheduleId = 'mend-game-day';

export const drillScheduleUsage = `  drill schedule (--every 1d | --cron "0 3 * * 1") [--budget 3m]
                                             game days: \`drill --all\` on a Temporal Schedule (one at a time;
                                             pause and resume it in the Temporal UI)
  drill schedule show | delete               the schedule, its next and recent runs; or remove it`;

export interface ScheduleOptions {
  every?: string;
  cron?: string;
  budget?: string;
}

export async function drillSchedule(session: Session, args: string[], options: ScheduleOptions): Promise<number> {
  const client = await session.client();
  const handle = client.schedule.getHandle(scheduleId);
  const [sub] = args;
  if (sub === 'delete' || sub === 'show') {
    try {
      if (sub === 'delete') {
        await handle.delete();
        session.out(`deleted schedule ${scheduleId}`);
      } else session.out(await describeSchedule(handle));
      return 0;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new UsageError(`there is no schedule ${scheduleId}: create it with \`mend drill schedule --every 1d\``);
      throw err;
    }
  }
  if (sub !== undefined) throw new UsageError(`drill schedule takes show, delete, or --every/--cron\n\n${drillScheduleUsage}`);
  if (!options.every === !options.cron) throw new UsageError('drill schedule needs --every (e.g. 1d) or --cron (e.g. "0 3 * * 1"), not both');
  if (options.every && !(isDuration(options.every) && toMs(options.every as Duration) >= 60_000))
    throw new UsageError('--every must be a duration of at least 1m, such as 12h or 1d');
  checkBudget(options.budget);
  const spec = options.every ? { intervals: [{ every: options.every as Duration }] } : { cronExpressions: [options.cron!] };
  const input: DrillInput = { all: true, budget: options.budget };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: drillRun,
    args: [input] as [DrillInput],
    taskQueue: session.config.temporal.taskQueue,
    workflowId: 'drill-scheduled',
  };
  // Never two scheduled game days at once: one still running skips the next start.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' as const };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    session.out(`created schedule ${scheduleId}`);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec, action, policies }));
    session.out(`updated schedule ${scheduleId}`);
  }
  session.out(await describeSchedule(handle));
  return 0;
}

async function describeSchedule(handle: ScheduleHandle): Promise<string> {
  const d = await handle.describe();
  const every = d.spec.intervals?.map((i) => `every ${readable(Number(i.every))}`) ?? [];
  const cron = d.spec.calendars?.length ? ['calendar (cron)'] : [];
  const lines = [
    `schedule ${d.scheduleId}: ${[...every, ...cron].join(', ') || 'no spec'}${d.state.paused ? ` · paused${d.state.note ? ` (${d.state.note})` : ''}` : ''}`,
    `next: ${
      d.info.nextActionTimes
        .slice(0, 3)
        .map((t) => t.toISOString())
        .join(', ') || 'none'
    }`,
    ...d.info.recentActions.slice(-5).map((a) => `ran ${a.takenAt.toISOString()}: ${a.action.workflow.workflowId}`),
  ];
  return lines.join('\n');
}

/** 86400000 → "1d", 5400000 → "90m". */
function readable(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const unit = units.find(([, size]) => ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms}ms`;
}
