// `mend drill`: run game-day drills as a workflow on the worker and follow them; Ctrl-C cancels the run, which stops
// the drill in progress and undoes its fault before it ends.
import { setTimeout as delay } from 'node:timers/promises';
import { isDuration, toMs } from '../common/duration';
import { workflowLink } from '../common/workflow-link';
import { drillTimes, type DrillRunResult } from '../drills/result';
import { drillRun } from '../workflows/drill';
import { type DrillInput, type DrillProgress, drillProgressQuery } from '../workflows/drill-definitions';
import type { Session } from './session';
import { UsageError } from '../client/usage-error';
import { newWorkflowId } from '../client/workflow-ids';

export const drillUsage = `  drill <scenario>... [--target T] [--budget 3m]
                                             inject each fault into a target marked \`drill: allowed\`, watch
                                             mend recover it, undo it; report in drills.dir (exit 0: all
                                             recovered, 4: not all, 130: Ctrl-C, which undoes the fault)
  drill --all                                every scenario that has a target marked \`drill: allowed\``;

export interface DrillOptions {
  all: boolean;
  target?: string;
  budget?: string;
  json: boolean;
}

/** A drill's --budget: a duration of at least 10 s. */
export function checkBudget(budget: string | undefined): void {
  if (budget !== undefined && !(isDuration(budget) && toMs(budget) >= 10_000)) throw new UsageError('--budget must be a duration of at least 10s, such as 90s or 5m');
}

/** Runs the drills until they end or `stop` aborts (then cancels them and waits for the undo); returns the exit code. */
export async function drillCommand(session: Session, scenarios: string[], options: DrillOptions, stop: AbortSignal): Promise<number> {
  if (options.all === scenarios.length > 0) throw new UsageError(`drill takes scenario names or --all\n\n${drillUsage}`);
  if (options.target && scenarios.length !== 1) throw new UsageError('--target goes with one scenario');
  checkBudget(options.budget);
  const input: DrillInput = {
    ...(options.all ? { all: true } : { scenarios: scenarios.map((scenario) => ({ scenario, target: options.target })) }),
    budget: options.budget,
  };
  const { config, out } = session;
  const client = await session.client();
  const id = newWorkflowId('drill');
  const handle = await client.workflow.start(drillRun, {
    workflowId: id,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    staticSummary: `drills: ${options.all ? 'all scenarios' : scenarios.join(', ')}`,
  });
  if (!options.json) out(`drill run ${id}\n${workflowLink(config.temporal.uiUrl, config.temporal.namespace, id)}`);
  const started = Date.now();
  let said: string | undefined;
  let cancelled = false;
  const result = handle.result();
  const done = result.then(
    () => true,
    () => true,
  );
  while (!(await Promise.race([done, delay(1000).then(() => false)]))) {
    if (stop.aborted && !cancelled) {
      cancelled = true;
      out('stopping: the drill in progress is cancelled and its fault undone (Ctrl-C again leaves it to the worker)');
      await handle.cancel().catch(() => undefined); // it may have ended meanwhile
    }
    const progress = (await handle.query(drillProgressQuery).catch(() => undefined)) as DrillProgress | undefined;
    if (!options.json && progress?.current && progress.current !== said) {
      said = progress.current;
      out(`[${Math.round((Date.now() - started) / 1000)}s] ${said}`);
    }
  }
  const run: DrillRunResult = await result;
  if (options.json) out(JSON.stringify(run, null, 2));
  else out(['', ...run.drills.map(drillLine), '', run.report ? `report: ${run.report}` : `the report was not written: ${run.reportError}`].join('\n'));
  if (cancelled) return 130;
  if (!run.drills.length) throw new UsageError("no scenario has a target marked `drill: allowed` in the worker's config");
  return run.drills.every((d) => d.outcome === 'recovered') ? 0 : 4;
}

function drillLine(d: DrillRunResult['drills'][number]): string {
  const t = drillTimes(d);
  const times = t.verified !== undefined ? ` in ${t.verified}s (alert ${t.fired ?? '?'}s, detected ${t.detected}s, fixed ${t.fixed}s)` : '';
  const impact = d.impact ? `; ${d.impact.failed} of ${d.impact.requests} requests failed, ${d.impact.missing} of ${d.impact.acked} acknowledged orders missing` : '';
  return `${d.scenario}${d.plan ? ` on ${d.plan.target}` : ''}: ${d.outcome}${times}${impact}${d.error ? ` (${d.error})` : ''}`;
}
