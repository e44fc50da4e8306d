// The game day as a benchmark: `mend drill --all` several times against the running local stack (`npm start`),
// with what the issue measures: auto-recovery, MTTR beyond the alert's `for:` (fired → verified, and fired → fixed),
// acknowledged writes lost, and actions outside the policy (an attempt that acted without its target's grant).
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/load';
import { drillTimes, type DrillResult, type DrillRunResult } from '../drills/result';
import { drillRun } from '../workflows/drill';
import { incidentStatusQuery } from '../workflows/definitions';
import { percentile } from './stats';

const median = (values: number[]) =>
  values.length
    ? percentile(
        [...values].sort((a, b) => a - b),
        50,
      )
    : Number.NaN;
const most = (values: number[]) => (values.length ? Math.max(...values) : Number.NaN);

const runs = Number(process.env.BENCH_RUNS ?? 3);

interface RunFigures {
  seconds: number;
  drills: number;
  recovered: number;
  beyondFor: number[];
  fixedAfterFire: number[];
  acked: number;
  lost: number;
  failedRequests: number;
  outsidePolicy: number;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env.MEND_CONFIG ?? 'config/stack.yaml');
  const client = new Client({ connection: await Connection.connect({ address: config.temporal.address }), namespace: config.temporal.namespace });
  const figures: RunFigures[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = Date.now();
    const result: DrillRunResult = await client.workflow.execute(drillRun, {
      workflowId: `bench-game-day-${started}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ all: true }],
    });
    const run = await measure(client, result.drills, (Date.now() - started) / 1000);
    figures.push(run);
    console.log(
      `run ${i}/${runs} (${result.runId}): ${run.recovered}/${run.drills} recovered in ${run.seconds.toFixed(0)} s; ` +
        `fired→verified p50 ${median(run.beyondFor)} s max ${most(run.beyondFor)} s; ` +
        `fired→fixed p50 ${median(run.fixedAfterFire)} s; acked ${run.acked}, lost ${run.lost}; ` +
        `failed requests ${run.failedRequests}; actions outside the policy ${run.outsidePolicy}`,
    );
    for (const d of result.drills) console.log(`  ${d.scenario}: ${d.outcome} ${JSON.stringify(drillTimes(d))}${d.error ? ` (${d.error})` : ''}`);
  }
  const range = (pick: (f: RunFigures) => number, unit = '') => {
    const values = figures.map(pick);
    return `${Math.min(...values)}${unit}–${Math.max(...values)}${unit}`;
  };
  console.log(`\n${runs} runs (min–max over runs):`);
  console.log(`  auto-recovery            ${range((f) => Math.round((100 * f.recovered) / f.drills), '%')}`);
  console.log(`  median fired → verified  ${range((f) => median(f.beyondFor), ' s')}`);
  console.log(`  median fired → fixed     ${range((f) => median(f.fixedAfterFire), ' s')}`);
  console.log(`  acknowledged rows lost   ${range((f) => f.lost)} (of ${range((f) => f.acked)})`);
  console.log(`  actions outside policy   ${range((f) => f.outsidePolicy)}`);
  console.log(`  drill --all duration     ${range((f) => Math.round(f.seconds), ' s')}`);
  await client.connection.close();
}

async function measure(client: Client, drills: DrillResult[], seconds: number): Promise<RunFigures> {
  const run: RunFigures = { seconds, drills: drills.length, recovered: 0, beyondFor: [], fixedAfterFire: [], acked: 0, lost: 0, failedRequests: 0, outsidePolicy: 0 };
  for (const d of drills) {
    const t = drillTimes(d);
    if (d.outcome === 'recovered') run.recovered++;
    if (t.fired !== undefined && t.verified !== undefined) run.beyondFor.push(Math.round((t.verified - t.fired) * 10) / 10);
    if (t.fired !== undefined && t.fixed !== undefined) run.fixedAfterFire.push(Math.round((t.fixed - t.fired) * 10) / 10);
    run.acked += d.impact?.acked ?? 0;
    run.lost += d.impact?.missing ?? 0;
    run.failedRequests += d.impact?.failed ?? 0;
    const ids = [d.observation?.incidentId, ...(d.observation?.others ?? []).map((o) => o.incidentId)].filter((id): id is string => !!id);
    for (const id of ids) run.outsidePolicy += await actedWithoutGrant(client, id);
  }
  return run;
}

/** Attempts of an incident whose steps ran with no grant of the target guard recorded before them. */
async function actedWithoutGrant(client: Client, incidentId: string): Promise<number> {
  const view = await client.workflow.getHandle(incidentId).query(incidentStatusQuery);
  const attempts = view.record?.attempts ?? [];
  return attempts.filter((a) => a.steps.some((s) => s.status !== 'planned') && !view.timeline.some((t) => t.event === 'target acquired' && t.detail?.startsWith(`${a.runbook}:`)))
    .length;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
