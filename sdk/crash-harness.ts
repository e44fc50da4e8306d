// The crash harness (`mend/testing`): runs an incident once cleanly on real targets, takes every activity of that run
// as a crash point (after it acted and before Temporal heard; at its first heartbeat if it heartbeats) and every
// kind of timer it waited on, and for each point runs the incident again on a worker killed there by SIGKILL, with a
// fresh worker taking over. Each run must end as the clean one did, with the same side effects counted on the real
// system. Node only; runs under jest.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startCrashWorker } from '../common/mend-process';
import type { IncidentInput, RecoveryRecord } from '../common/types';
import { errorMessage } from '../common/error-message';
import { waitFor } from '../common/wait-for';
import type { ActivityRun, CrashPoint } from '../workers/crash-worker';

/** The policy of a crash test's worker: no budget or cooldown between its runs. */
export const crashPolicy = { attempts: { max: 1000, window: '1m' }, cooldown: '1s', activityTimeout: '20s' };
/** Every run must take the clean run's path again: no rung is skipped for the outcomes earlier runs recorded. */
export const crashLearning = { skipFailingRungs: false };

export interface CrashCase {
  client: Client;
  /** The worker's config file. */
  configPath: string;
  /** Puts the targets back as a run starts from. */
  reset(): Promise<void>;
  /** Starts one incident (a new workflow id each call). */
  start(): Promise<WorkflowHandle<(input: IncidentInput) => Promise<RecoveryRecord>>>;
  /** Counters of side effects read on the real system; the harness compares what each run added. */
  count(): Promise<Record<string, number>>;
  /** What a crashed run must share with the clean one; by default its status and each attempt's. */
  outcome?(record: RecoveryRecord): unknown;
  /** Which points to try (default: all), e.g. only the runbook's when another case covers the incident's. */
  points?(point: Point): boolean;
  /** More environment for the worker processes. */
  env?: Record<string, string>;
}

/** Killed while the workflow waits on this timer (timer ids are a run's sequence numbers, like activity ids). */
export interface TimerPoint {
  workflowType: string;
  timerId: string;
  seconds: number;
  mode: 'timer';
}

export type Point = CrashPoint | TimerPoint;

export interface PointRun {
  point: string;
  outcome: unknown;
  effects: Record<string, number>;
  /** After a kill: the incident's last workflow task was completed by the worker that took over. */
  endedByNewWorker?: boolean;
  seconds: number;
}

export interface CrashReport {
  clean: PointRun;
  runs: PointRun[];
  /** The runs that did not end as the clean run did, whose worker never reached the point, or that another worker ended. */
  differing: PointRun[];
}

const statuses = (r: RecoveryRecord) => ({ status: r.status, attempts: r.attempts.map((a) => `${a.runbook}: ${a.status}`) });
const label = (p: Point) => (p.mode === 'timer' ? `during ${p.workflowType} timer ${p.timerId} (${p.seconds} s)` : `${p.mode} ${p.workflowType}#${p.activityId} ${p.activityType}`);

/** Starts a crash run's incident: a workflow task the killed worker held is retried after 3 s, not 10. */
export const startCrashIncident = (client: Client, taskQueue: string, workflowId: string, input: IncidentInput) =>
  client.workflow.start('incident', { taskQueue, workflowId, workflowTaskTimeout: '3s', args: [input] }) as Promise<
    WorkflowHandle<(input: IncidentInput) => Promise<RecoveryRecord>>
  >;

/** The runbook's points: the incident's own (settings, diagnosis, guard turns, escalation) are the same for every runbook. */
export const inRunbook = (p: Point): boolean => p.workflowType !== 'incident';

/** Every point but those of one of `reads` (after it, or at its heartbeat): a crash there repeats only the read. */
export const exceptAfterReads =
  (reads: string[]) =>
  (p: Point): boolean =>
    p.mode === 'timer' || !reads.includes(p.activityType);

export const expectLikeClean = (report: CrashReport): void => {
  expect(report.runs.length).toBeGreaterThan(0);
  expect(report.differing).toEqual([]);
};

export async function crashEveryPoint(c: CrashCase): Promise<CrashReport> {
  const dir = mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), 'crash-'));
  const env = { ...c.env, MEND_CRASH_PLAN: join(dir, 'plan.json'), MEND_CRASH_LOG: join(dir, 'activities.jsonl') };
  const outcome = c.outcome ?? statuses;
  // The worker that takes over starts while a run goes on and polls once told on stdin: a kill rarely waits for it.
  const standbyWorker = () => {
    const starting = startCrashWorker(c.configPath, { ...env, MEND_CRASH_STANDBY: '1' });
    starting.catch(() => undefined); // its failure is thrown where it is awaited
    return starting;
  };
  let worker = await startCrashWorker(c.configPath, env);
  let standby: ReturnType<typeof standbyWorker> | undefined;
  let taskQueue = '';
  /** `more`: another point follows, so a new standby is started once this one takes over. */
  const runOnce = async (point?: Point, more = false): Promise<PointRun & { incidentId: string }> => {
    const started = Date.now();
    await c.reset();
    const before = await c.count();
    if (point && point.mode !== 'timer') writeFileSync(env.MEND_CRASH_PLAN, JSON.stringify(point));
    const handle = await c.start();
    taskQueue ||= (await handle.describe()).taskQueue;
    const killed = exitOf(worker.process);
    const runEnded = new AbortController();
    if (point?.mode === 'timer') void killDuring(c.client, handle.workflowId, point, worker, runEnded.signal).catch(() => undefined);
    const first = await Promise.race([resultOf(c.client, handle, point), killed.exited]);
    killed.off();
    runEnded.abort();
    let record: RecoveryRecord | undefined = first === 'killed' ? undefined : first;
    let endedByNewWorker: boolean | undefined;
    rmSync(env.MEND_CRASH_PLAN, { force: true });
    if (first === 'killed') {
      const dead = worker.process.pid!;
      worker = await (standby ?? standbyWorker()); // none yet if the clean run lost its worker
      worker.process.stdin!.write('poll\n');
      standby = more ? standbyWorker() : undefined;
      await takeOver(c.client, handle.workflowId, taskQueue, dead);
      record = await resultOf(c.client, handle, point);
      const last = (await handle.fetchHistory()).events!.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1);
      endedByNewWorker = last?.workflowTaskCompletedEventAttributes?.identity === `${worker.process.pid}@${hostname()}`;
    }
    const after = await c.count();
    const effects = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));
    const reached = !point || first === 'killed';
    const seconds = (Date.now() - started) / 1000;
    const run = { point: point ? label(point) : 'clean', outcome: reached ? outcome(record!) : 'the worker never reached the point', effects, endedByNewWorker, seconds };
    process.stderr.write(`[crash] ${run.point}: ${JSON.stringify(run.outcome)} ${JSON.stringify(effects)} in ${seconds.toFixed(1)} s\n`);
    return { ...run, incidentId: handle.workflowId };
  };
  try {
    const { incidentId, ...clean } = await runOnce();
    const activityPoints = activitiesOf(env.MEND_CRASH_LOG, incidentId).flatMap((a): CrashPoint[] => {
      const at = { workflowType: a.workflowType, activityId: a.activityId, activityType: a.activityType };
      return [{ ...at, mode: 'after' }, ...(a.heartbeats ? [{ ...at, mode: 'heartbeat' as const }] : [])];
    });
    const points = [...activityPoints, ...(await timersOf(c.client, incidentId))].filter(c.points ?? (() => true));
    const runs: PointRun[] = [];
    process.stderr.write(`[crash] ${points.length} points\n`);
    if (points.length) standby = standbyWorker();
    for (const [i, point] of points.entries()) {
      const { incidentId: _, ...run } = await runOnce(point, i < points.length - 1);
      runs.push(run);
    }
    const same = (r: PointRun) => r.endedByNewWorker && JSON.stringify([r.outcome, r.effects]) === JSON.stringify([clean.outcome, clean.effects]);
    return { clean, runs, differing: runs.filter((r) => !same(r)) };
  } finally {
    await Promise.all([worker.stop('SIGKILL'), standby?.then((s) => s.stop('SIGKILL'))]);
    if (taskQueue) await endOpen(c.client, taskQueue).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The incident's record; a failed incident throws with the point and its activity trail. */
const resultOf = (client: Client, handle: WorkflowHandle<(input: IncidentInput) => Promise<RecoveryRecord>>, point?: Point) =>
  handle.result().catch(async (err: unknown) => {
    throw new Error(`${point ? label(point) : 'clean run'}: ${errorMessage(err)}\n${await activityTrail(client, handle.workflowId)}`, { cause: err });
  });

/** The activities of the incident and its runbooks as their histories have them: the attempt that last started, who ran it, how it ended (still pending ones are not listed). */
async function activityTrail(client: Client, incidentId: string): Promise<string> {
  const lines: string[] = [];
  const histories = [incidentId];
  for (const workflowId of histories) {
    const events =
      (
        await client.workflow
          .getHandle(workflowId)
          .fetchHistory()
          .catch(() => undefined)
      )?.events ?? [];
    const types = new Map<string, string>();
    for (const e of events) {
      const child = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (child) histories.push(child);
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(e.eventId), `${scheduled.activityType?.name}#${scheduled.activityId}`);
      const started = e.activityTaskStartedEventAttributes;
      if (started) lines.push(`${workflowId} ${types.get(String(started.scheduledEventId))} attempt ${started.attempt} started by ${started.identity}`);
      const ended = e.activityTaskTimedOutEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskCompletedEventAttributes;
      if (ended) lines.push(`${workflowId} ${types.get(String(ended.scheduledEventId))} ${Object.keys(e).find((k) => k.startsWith('activityTask'))}`);
    }
  }
  return lines.join('\n');
}

/** Resolves when the process exits; `off` stops listening (a run that ended without a kill). */
function exitOf(child: ChildProcess): { exited: Promise<'killed'>; off(): void } {
  let onExit = () => undefined as void;
  const exited = new Promise<'killed'>((resolve) => (onExit = () => resolve('killed')));
  child.once('exit', onExit);
  return { exited, off: () => child.off('exit', onExit) };
}

const logLines = (log: string): ActivityRun[] =>
  existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ActivityRun)
    : [];

/** The first attempt of every activity of an incident and its runbooks (their workflow ids start with its id). */
function activitiesOf(log: string, incidentId: string): ActivityRun[] {
  return logLines(log).filter((a) => a.event === 'end' && a.attempt === 1 && (a.workflowId === incidentId || a.workflowId.startsWith(`${incidentId}/`)));
}

type Execution = { workflowId: string; runId: string };

/** The incident and its runbooks (its pending children), as Temporal describes them now. */
async function incidentWorkflows(client: Client, incidentId: string) {
  const { raw } = await client.workflow.getHandle(incidentId).describe();
  const children = await Promise.all((raw.pendingChildren ?? []).map(async (c) => (await client.workflow.getHandle(c.workflowId!).describe()).raw));
  return [raw, ...children];
}

/** The open workflows of a task queue (visibility, which may lag a moment behind). */
async function openOn(client: Client, taskQueue: string): Promise<Execution[]> {
  const open: Execution[] = [];
  for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
    open.push({ workflowId: w.workflowId, runId: w.runId });
  }
  return open;
}

/** Ends what a case left open on its queue: a guard without a worker would hold its target forever. */
async function endOpen(client: Client, taskQueue: string): Promise<void> {
  for (const w of await openOn(client, taskQueue)) {
    await client.workflow
      .getHandle(w.workflowId, w.runId)
      .terminate('crash case ended')
      .catch(() => undefined);
  }
}

/**
 * Does at once what Temporal does once the timeouts pass after a worker died: the next task of each of its cached
 * workflows (the incident, its runbooks, the guards of its queue) goes to any worker, and the attempts the worker
 * was running fail (to be retried).
 */
async function takeOver(client: Client, incidentId: string, taskQueue: string, deadPid: number): Promise<void> {
  const described = await incidentWorkflows(client, incidentId);
  const executions = [...described.map((d) => d.workflowExecutionInfo!.execution! as Execution), ...(await openOn(client, taskQueue))];
  for (const execution of new Map(executions.map((e) => [`${e.workflowId}/${e.runId}`, e])).values()) {
    await client.workflowService.resetStickyTaskQueue({ namespace: client.options.namespace, execution }).catch(() => undefined);
  }
  for (const d of described) {
    for (const a of d.pendingActivities ?? []) {
      if (a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED && a.lastWorkerIdentity?.startsWith(`${deadPid}@`)) {
        const { workflowId, runId } = d.workflowExecutionInfo!.execution! as Execution;
        await client.activity.fail({ workflowId, runId, activityId: a.activityId! }, new Error('its worker was killed (crash harness)')).catch(() => undefined);
      }
    }
  }
}

/** The workflow a point is in: the incident, or its runbook (workflow id `<incident>/<runbook>`). */
const workflowOf = (incidentId: string, workflowType: string) => (workflowType === 'incident' ? incidentId : `${incidentId}/${workflowType}`);

/** The first timer of each length in the incident and its runbooks (a verification's every-second timers count once). */
async function timersOf(client: Client, incidentId: string): Promise<TimerPoint[]> {
  const { raw } = await client.workflow.getHandle(incidentId).describe();
  const events = async (workflowId: string) => (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const runbooks = (await events(incidentId)).flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? []);
  const points = new Map<string, TimerPoint>();
  for (const workflowType of [raw.workflowExecutionInfo!.type!.name!, ...runbooks]) {
    for (const e of await events(workflowOf(incidentId, workflowType))) {
      const t = e.timerStartedEventAttributes;
      if (!t) continue;
      const seconds = Number(t.startToFireTimeout?.seconds ?? 0) + (t.startToFireTimeout?.nanos ?? 0) / 1e9;
      const key = `${workflowType}/${seconds}`;
      if (!points.has(key)) points.set(key, { workflowType, timerId: t.timerId!, seconds, mode: 'timer' });
    }
  }
  return [...points.values()];
}

/** Kills the worker once the workflow waits on the point's timer; not if the timer or the workflow ended first, or the run did. */
async function killDuring(
  client: Client,
  incidentId: string,
  point: TimerPoint,
  worker: { process: { kill(signal: NodeJS.Signals): boolean } },
  runEnded: AbortSignal,
): Promise<void> {
  const handle = client.workflow.getHandle(workflowOf(incidentId, point.workflowType));
  const state = async () => {
    if (runEnded.aborted) return 'ended';
    const events = (await handle.fetchHistory().catch(() => undefined))?.events ?? [];
    const closed = events.some((e) => Object.keys(e).some((k) => /^workflowExecution(Completed|Failed|Canceled|Terminated|TimedOut|ContinuedAsNew)EventAttributes$/.test(k)));
    const timer = (kind: 'timerStarted' | 'timerFired' | 'timerCanceled') => events.some((e) => e[`${kind}EventAttributes`]?.timerId === point.timerId);
    if (closed || timer('timerFired') || timer('timerCanceled')) return 'ended';
    return timer('timerStarted') && 'waiting';
  };
  const now = await waitFor(state, `${point.workflowType} to wait on timer ${point.timerId}`, 60_000);
  if (now === 'waiting' && !runEnded.aborted) worker.process.kill('SIGKILL');
}
