// mend's worker for the crash harness: it logs every activity it starts and ends (MEND_CRASH_LOG, JSON lines), and
// kills itself with SIGKILL at the point MEND_CRASH_PLAN names: after an activity acted and before its completion
// reaches Temporal, or at its first heartbeat. Only a first attempt dies, so the retry on the next worker runs.
// With MEND_CRASH_STANDBY=1 it starts ready but polls only once a line arrives on stdin, to take over from one killed.
import { appendFileSync, readFileSync } from 'node:fs';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import { ConfigError } from '../config/load';
import { runWorker } from './run';

export interface CrashPoint {
  workflowType: string;
  /** Activity ids are a workflow run's sequence numbers: the same step has the same id in every run of the path. */
  activityId: string;
  activityType: string;
  mode: 'after' | 'heartbeat';
}

/** One activity as the log has it, when it starts and when it ends. */
export interface ActivityRun extends Omit<CrashPoint, 'mode'> {
  event: 'start' | 'end';
  pid: number;
  workflowId: string;
  runId: string;
  attempt: number;
  heartbeats: number;
}

const planFile = process.env.MEND_CRASH_PLAN;
const logFile = process.env.MEND_CRASH_LOG;

function plannedPoint(): CrashPoint | undefined {
  try {
    return planFile ? (JSON.parse(readFileSync(planFile, 'utf8')) as CrashPoint) : undefined;
  } catch {
    return undefined; // no plan now
  }
}

function crashWorker(ctx: Context): ActivityInterceptors {
  const { workflowType = '', activityId, activityType, attempt, workflowExecution } = ctx.info;
  const run: ActivityRun = {
    event: 'start',
    pid: process.pid,
    workflowType,
    activityId,
    activityType,
    workflowId: workflowExecution?.workflowId ?? '',
    runId: workflowExecution?.runId ?? '',
    attempt,
    heartbeats: 0,
  };
  const log = () => logFile && appendFileSync(logFile, `${JSON.stringify(run)}\n`);
  const point = attempt === 1 ? plannedPoint() : undefined;
  const here = point?.workflowType === workflowType && point.activityId === activityId ? point.mode : undefined;
  const die = () => process.kill(process.pid, 'SIGKILL');
  const heartbeat = ctx.heartbeat.bind(ctx);
  Object.assign(ctx, {
    heartbeat: (details?: unknown) => {
      run.heartbeats++;
      if (here === 'heartbeat') die();
      heartbeat(details);
    },
  });
  return {
    inbound: {
      execute: async (input, next) => {
        log();
        try {
          return await next(input);
        } finally {
          run.event = 'end';
          log();
          if (here === 'after') die();
        }
      },
    },
  };
}

if (require.main === module) {
  const standby = process.env.MEND_CRASH_STANDBY === '1' ? new Promise<void>((resolve) => process.stdin.once('data', () => resolve())) : undefined;
  runWorker({ activity: [crashWorker] }, standby).catch((err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  });
}
