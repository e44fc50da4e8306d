// A drill's dealings with its target, through the packs' drills modules: which scenario on which target (refused
// unless config marks it `drill: allowed`), its health, the injection and its undo, and the workload that measures
// the business SLI meanwhile.
import { Context } from '@temporalio/activity';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { toMs } from '../common/duration';
import { errorMessage } from '../common/error-message';
import type { Duration } from '../common/types';
import type { MendConfig } from '../config/schema';
import { type LoadedPack, packDrills } from '../packs/load';
import type { ActionContext } from '../sdk/actions';
import { heartbeating } from '../sdk/heartbeating';
import type { DrillScenario, DrillWorkload, Injected } from '../sdk/drills';
import { readOutcomes, succeeded } from './drill-outcomes';
import { nonRetryable } from './errors';

export interface DrillRef {
  /** The drill run this drill belongs to (its folder under drills.dir). */
  runId: string;
  scenario: string;
  /** The pack's target; default: the only one marked `drill: allowed`. */
  target?: string;
  /** Instead of the config's drills.budget. */
  budget?: Duration;
}

export interface DrillPlan {
  scenario: string;
  target: string;
  description: string;
  expects: { alert: string; runbook: string };
  /** The drills config the worker runs with (a scheduled drill takes today's, not its creator's). */
  budgetMs: number;
  baselineMs: number;
  tailMs: number;
  /** The Prometheus whose alerts the drill watches. */
  prometheus: string;
  /** Where the workload's outcomes go, when one measures the SLI. */
  outcomesFile?: string;
}

export interface DrillImpact {
  requests: number;
  failed: number;
  /** Seconds of complete outage the failed requests are worth: failed ÷ requests per second. */
  errorBudgetSeconds: number;
  /** Writes the service acknowledged, and those of them it no longer has. */
  acked: number;
  missing: number;
  missingIds: number[];
}

interface Drills {
  scenarios: Map<string, { pack: string; scenario: DrillScenario }>;
  workload?: { target: string; workload: DrillWorkload };
  /** A config mistake that stops every drill. */
  problem?: string;
}

/** How long a drill waits for its target to be healthy, before and after. */
const healthyWithinMs = 120_000;

export type DrillActivities = ReturnType<typeof drillActivities>;

/** The alerts Prometheus has pending or firing (mend's own, about itself, aside), said in a line; undefined when none. */
async function alertsActive(prometheus: string): Promise<string | undefined> {
  const res = await fetch(`${prometheus}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => err);
  if (res instanceof Error || !res.ok) return `Prometheus at ${prometheus} does not answer: ${res instanceof Error ? errorMessage(res) : res.status}`;
  const { data } = (await res.json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
  const active = data.alerts.filter((a) => !a.labels.alertname.startsWith('Mend'));
  return active.length ? `Prometheus has alerts ${active.map((a) => `${a.labels.alertname} (${a.state})`).join(', ')}` : undefined;
}

export function drillActivities(config: MendConfig, packs: LoadedPack[], context: ActionContext) {
  let drills: Drills | undefined;
  // Created on first use: a worker that never drills opens nothing for drills.
  const loaded = (): Drills => {
    if (drills) return drills;
    const found: Drills = { scenarios: new Map() };
    for (const pack of packs) {
      const definition = packDrills(pack);
      if (!definition) continue;
      const made = definition.create(config[pack.name], context);
      for (const [name, scenario] of Object.entries(made.scenarios)) {
        const other = found.scenarios.get(name);
        if (other) throw new Error(`packs ${other.pack} and ${pack.name} both define the drill scenario "${name}"`);
        found.scenarios.set(name, { pack: pack.name, scenario });
      }
      const wanted = config.drills.workload;
      if (made.workload && wanted?.startsWith(`${pack.name}/`)) found.workload = { target: wanted.slice(pack.name.length + 1), workload: made.workload };
    }
    if (config.drills.workload && !found.workload) found.problem = `drills.workload names ${config.drills.workload}, but no pack of that name has a drill workload`;
    drills = found;
    return found;
  };
  const scenarioOf = (name: string): DrillScenario => {
    const entry = loaded().scenarios.get(name);
    if (!entry) throw nonRetryable(`no drill scenario "${name}"; known: ${[...loaded().scenarios.keys()].sort().join(', ')}`);
    return entry.scenario;
  };

  return {
    /** The scenarios the packs define, for `mend drill --list`. */
    async drillScenarios(): Promise<{ name: string; pack: string; description: string; allowed: string[] }[]> {
      return [...loaded().scenarios].map(([name, { pack, scenario }]) => ({
        name,
        pack,
        description: scenario.description,
        allowed: Object.keys(scenario.targets).filter((t) => scenario.targets[t]),
      }));
    },

    async drillPlan(ref: DrillRef): Promise<DrillPlan> {
      const { problem } = loaded();
      if (problem) throw nonRetryable(problem);
      const scenario = scenarioOf(ref.scenario);
      const allowed = Object.keys(scenario.targets).filter((t) => scenario.targets[t]);
      let target = ref.target;
      if (target === undefined) {
        if (allowed.length !== 1) {
          throw nonRetryable(
            allowed.length
              ? `${ref.scenario} may run on ${allowed.join(', ')}: name one with --target`
              : `no target of ${ref.scenario} is marked \`drill: allowed\` in config (targets: ${Object.keys(scenario.targets).join(', ') || 'none'})`,
          );
        }
        target = allowed[0];
      }
      if (!(target in scenario.targets)) throw nonRetryable(`${ref.scenario} has no target "${target}" (targets: ${Object.keys(scenario.targets).join(', ') || 'none'})`);
      if (!scenario.targets[target]) throw nonRetryable(`refused: ${target} is not marked \`drill: allowed\` in config, so ${ref.scenario} may not break it`);
      const ms = (d: Duration) => toMs(d);
      return {
        scenario: ref.scenario,
        target,
        description: scenario.description,
        expects: scenario.expects,
        budgetMs: ms(ref.budget ?? config.drills.budget),
        baselineMs: ms(config.drills.baseline),
        tailMs: ms(config.drills.tail),
        prometheus: config.drills.prometheus,
        outcomesFile: loaded().workload ? resolve(config.drills.dir, ref.runId, `${ref.scenario}.outcomes.jsonl`) : undefined,
      };
    },

    /**
     * Waits (heartbeating) until the target is healthy and Prometheus fires nothing (a drill starts from a quiet system
     * and ends in one); fails, saying what is wrong, after two minutes.
     */
    async drillAwaitHealthy(plan: { scenario: string; target: string }): Promise<void> {
      const scenario = scenarioOf(plan.scenario);
      const deadline = Date.now() + healthyWithinMs;
      for (;;) {
        const wrong = (await scenario.healthy(plan.target).catch((err) => `its health check failed: ${errorMessage(err)}`)) ?? (await alertsActive(config.drills.prometheus));
        if (wrong === undefined) return;
        if (Date.now() > deadline) throw nonRetryable(`${plan.target} is not healthy after ${healthyWithinMs / 1000}s: ${wrong}`);
        Context.current().heartbeat(wrong);
        await Context.current().sleep(500);
      }
    },

    async drillInject(plan: { scenario: string; target: string }): Promise<{ at: string; injected: Injected }> {
      const at = new Date().toISOString();
      const injected = await scenarioOf(plan.scenario).inject(plan.target);
      return { at, injected };
    },

    /** Heartbeats while the scenario's undo runs (it may wait, e.g. for traffic to drain). */
    async drillUndo(input: { scenario: string; target: string; injected: Injected }): Promise<string> {
      return heartbeating(() => scenarioOf(input.scenario).undo(input.target, input.injected));
    },

    /** Runs the configured workload until cancelled, its outcomes appended to `outcomesFile` (heartbeats every second). */
    async drillWorkload(input: { outcomesFile: string }): Promise<void> {
      const workload = loaded().workload;
      if (!workload) return;
      mkdirSync(dirname(input.outcomesFile), { recursive: true });
      appendFileSync(input.outcomesFile, '');
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 1000);
      try {
        await workload.workload.run(workload.target, input.outcomesFile, ctx.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },

    /** The workload's requests from `from` to `to` (ISO), and whether every acknowledged write is still there. */
    async drillImpact(input: { outcomesFile: string; from: string; to: string }): Promise<DrillImpact> {
      const outcomes = readOutcomes(input.outcomesFile).filter((o) => o.at >= Date.parse(input.from) && o.at <= Date.parse(input.to));
      const failed = outcomes.filter((o) => !succeeded(o)).length;
      const seconds = Math.max(1, (Date.parse(input.to) - Date.parse(input.from)) / 1000);
      const ackedIds = outcomes.flatMap((o) => (o.ackedId === undefined ? [] : [o.ackedId]));
      const workload = loaded().workload;
      const missing = workload && ackedIds.length ? await workload.workload.missing(workload.target, ackedIds) : [];
      return {
        requests: outcomes.length,
        failed,
        errorBudgetSeconds: outcomes.length ? Math.round((failed / (outcomes.length / seconds)) * 10) / 10 : 0,
        acked: ackedIds.length,
        missing: missing.length,
        missingIds: missing.slice(0, 20),
      };
    },
  };
}
