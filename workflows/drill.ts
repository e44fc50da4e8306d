// A game day: drills one after another. Each drill checks its target may be drilled and is healthy, runs the workload,
// injects the fault, watches Prometheus and mend recover it within the budget (else stops the incident), undoes the
// fault, waits for health again, and measures the impact. Cancelling the run (Ctrl-C) undoes the drill in progress.
import { CancellationScope, condition, isCancellation, proxyActivities, proxySinks, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { DrillWatchActivities } from '../activities/drill-watch';
import type { DrillReportActivities } from '../activities/drill-report';
import type { DrillActivities, DrillPlan } from '../activities/drills';
import type { DrillObservation } from '../activities/drill-watch';
import { errorMessage } from '../common/error-message';
import { type DrillResult, type DrillRunResult, drillTimes } from '../drills/result';
import { changed } from './patches';
import type { MendSinks } from './sinks';
import { type DrillInput, type DrillProgress, drillProgressQuery } from './drill-definitions';

type Acts = DrillActivities & DrillWatchActivities & DrillReportActivities;
const retry = { maximumAttempts: 5, initialInterval: '1s', nonRetryableErrorTypes: ['NonRetryable'] };
const quick = proxyActivities<Acts>({ startToCloseTimeout: '2m', retry });
const waiting = proxyActivities<Acts>({ startToCloseTimeout: '3m', heartbeatTimeout: '15s', retry });
// An undo may wait for the system (traffic draining from an alert's window): at most 10m, heartbeating.
const undoing = proxyActivities<Acts>({ startToCloseTimeout: '10m', heartbeatTimeout: '15s', retry });
// Never twice: a second kill would kill another server.
const once = proxyActivities<Acts>({ startToCloseTimeout: '2m', retry: { maximumAttempts: 1 } });
const { metrics } = proxySinks<MendSinks>();

export async function drillRun(input: DrillInput): Promise<DrillRunResult> {
  const runId = workflowInfo().workflowId;
  const drills: DrillResult[] = [];
  const progress: DrillProgress = { runId, drills, scenarios: input.scenarios ?? [] };
  setHandler(drillProgressQuery, () => progress);
  let cancelled = false;
  try {
    if (input.all) progress.scenarios = (await quick.drillScenarios()).flatMap((s) => s.allowed.map((target) => ({ scenario: s.name, target })));
    for (const ref of progress.scenarios) {
      const drill = new Drill(runId, progress, ref.scenario);
      drills.push(drill.r);
      cancelled = await drill.run({ ...ref, budget: input.budget });
      const { r } = drill;
      const seconds = Object.fromEntries(Object.entries(drillTimes(r)).filter(([, s]) => s !== undefined)) as Record<string, number>;
      metrics.drill(r.scenario, r.outcome, seconds, r.impact && { failed: r.impact.failed, missing: r.impact.missing });
      if (cancelled) break;
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = true;
  }
  progress.current = cancelled ? 'cancelled: writing the report' : 'writing the report';
  try {
    const report = await CancellationScope.nonCancellable(() => quick.drillReport({ runId, drills }));
    return { runId, drills, report };
  } catch (err) {
    return { runId, drills, reportError: errorMessage(err) };
  }
}

class Drill {
  readonly r: DrillResult;

  constructor(
    private readonly runId: string,
    private readonly progress: DrillProgress,
    scenario: string,
  ) {
    const now = new Date().toISOString();
    this.r = { scenario, outcome: 'not run', startedAt: now, endedAt: now };
  }

  private say(what: string): void {
    this.progress.current = `${this.r.scenario}: ${what}`;
  }

  /** Runs the drill; true when the run was cancelled during it. */
  async run(ref: { scenario: string; target?: string; budget?: string }): Promise<boolean> {
    const r = this.r;
    let plan: DrillPlan;
    try {
      this.say('checking the target may be drilled and is healthy');
      plan = await quick.drillPlan({ runId: this.runId, ...ref });
      r.plan = plan;
      await waiting.drillAwaitHealthy(plan);
    } catch (err) {
      if (isCancellation(err)) return true;
      r.error = errorMessage(err);
      return false;
    }
    const workload = new CancellationScope();
    const measuring = plan.outcomesFile
      ? workload
          .run(() =>
            proxyActivities<Acts>({ startToCloseTimeout: plan.baselineMs + plan.budgetMs + plan.tailMs + 600_000, heartbeatTimeout: '15s', retry }).drillWorkload({
              outcomesFile: plan.outcomesFile!,
            }),
          )
          .catch(() => undefined)
      : undefined;
    let cancelled = false;
    try {
      this.say('measuring the service before the fault');
      await sleep(plan.baselineMs);
      this.say(`injecting: ${plan.description}`);
      // Never abandoned half way: a Ctrl-C during the injection takes effect once it returns, and it is then undone.
      const injection = await CancellationScope.nonCancellable(() => once.drillInject(plan));
      r.injectedAt = injection.at;
      r.injected = injection.injected;
      this.say(`waiting for ${plan.expects.alert} to fire and ${plan.expects.runbook} to recover (budget ${plan.budgetMs / 1000}s)`);
      const observed = await this.watch(plan);
      if (observed) {
        r.observation = observed;
        r.outcome = observed.status === 'recovered' ? 'recovered' : 'not recovered';
      } else r.outcome = 'stopped at budget';
    } catch (err) {
      if (!isCancellation(err)) r.error = errorMessage(err);
      else {
        cancelled = true;
        r.outcome = 'cancelled';
      }
    }
    await CancellationScope.nonCancellable(() => this.cleanUp(plan, cancelled, workload, measuring));
    return cancelled;
  }

  /** Each step runs even when one before it failed; what failed is recorded with the drill. */
  private async cleanUp(plan: DrillPlan, cancelled: boolean, workload: CancellationScope, measuring: Promise<unknown> | undefined): Promise<void> {
    const r = this.r;
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (err) {
        r.error = `${r.error ? `${r.error}; ` : ''}${what}: ${errorMessage(err)}`;
      }
    };
    if (r.injected) {
      if (cancelled || r.outcome === 'stopped at budget') {
        this.say('stopping the incident: its compensations run first');
        await attempt('stopping the incident', async () => {
          r.stoppedIncidents = await waiting.drillStopIncidents({ runbook: plan.expects.runbook, since: r.injectedAt! });
        });
      }
      this.say('undoing the fault');
      await attempt('the undo', async () => {
        r.undone = await undoing.drillUndo({ ...plan, injected: r.injected! });
      });
      this.say('waiting for the target to be healthy again');
      await attempt('after the undo', () => waiting.drillAwaitHealthy(plan));
    }
    if (!cancelled) {
      this.say('measuring the service after the drill');
      await sleep(plan.tailMs);
    }
    workload.cancel();
    await measuring;
    r.endedAt = new Date().toISOString();
    if (plan.outcomesFile && r.injectedAt) {
      await attempt('measuring the impact', async () => {
        r.impact = await quick.drillImpact({ outcomesFile: plan.outcomesFile!, from: r.injectedAt!, to: r.endedAt });
      });
    }
  }

  /** The expected incident's outcome, or undefined when the budget ran out first. */
  private async watch(plan: DrillPlan): Promise<DrillObservation | undefined> {
    const scope = new CancellationScope();
    let observed: DrillObservation | undefined;
    let failed: unknown;
    const watched = { alert: plan.expects.alert, runbook: plan.expects.runbook, since: this.r.injectedAt!, prometheus: plan.prometheus };
    const watching = scope.run(() => proxyActivities<Acts>({ startToCloseTimeout: plan.budgetMs + 60_000, heartbeatTimeout: '15s', retry }).drillWatch(watched));
    watching.then(
      (o) => (observed = o),
      (err) => (failed = err),
    );
    const inTime = await condition(() => observed !== undefined || failed !== undefined, plan.budgetMs);
    if (!inTime) {
      scope.cancel();
      await watching.catch(() => undefined);
      if (changed('drillSaysWhereItStopped')) {
        // One short look: the incident is stopped next, and a Ctrl-C meanwhile still cancels the drill.
        const standing = await once.drillStanding(watched).catch((err) => {
          if (isCancellation(err)) throw err;
          return `(unknown: ${errorMessage(err)})`;
        });
        this.r.error = `the budget ran out: ${standing}`;
      }
      return undefined;
    }
    if (failed) throw failed;
    return observed;
  }
}
