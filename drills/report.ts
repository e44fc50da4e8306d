// A drill run's report in Markdown: the summary (auto-recovery, MTTR per phase at p50 and p90, each drill against the
// last earlier run of its scenario, regressions flagged), then each drill with its chart, incident timeline and impact.
import { tableCell } from '../common/markdown';
import { type DrillResult, type DrillTimes, drillTimes, milestones } from './result';

/** What the history keeps of a run, to compare the next one with. */
export interface RunSummary {
  runId: string;
  at: string;
  drills: { scenario: string; outcome: DrillResult['outcome']; times: DrillTimes }[];
}

export const summarize = (runId: string, drills: DrillResult[]): RunSummary => ({
  runId,
  at: drills[0]?.startedAt ?? new Date().toISOString(),
  drills: drills.map((d) => ({ scenario: d.scenario, outcome: d.outcome, times: drillTimes(d) })),
});

/** The p-th percentile (0..100) by nearest rank; undefined for no values. */
export function percentile(values: number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const phaseNames: Record<(typeof milestones)[number], string> = {
  fired: 'alert fired',
  detected: 'MTTI (detected)',
  diagnosed: 'MTTK (diagnosed)',
  fixed: 'MTTF (fixed)',
  verified: 'MTTV (verified) = MTTR',
};

const secs = (s: number | undefined) => (s === undefined ? '–' : `${s}s`);

/** Why this drill did worse than the same scenario in an earlier run, if it did. */
export function regression(now: RunSummary['drills'][number], before: RunSummary['drills'][number] | undefined): string | undefined {
  if (!before) return undefined;
  if (before.outcome === 'recovered' && now.outcome !== 'recovered') return `was recovered, now ${now.outcome}`;
  const a = before.times.verified;
  const b = now.times.verified;
  if (a !== undefined && b !== undefined && b > a * 1.2 && b - a > 5) return `MTTR ${a}s → ${b}s`;
  return undefined;
}

/** `earlier`: the summaries of earlier runs, oldest first. */
export function renderDrillReport(runId: string, drills: DrillResult[], earlier: RunSummary[]): string {
  const summary = summarize(runId, drills);
  const ran = drills.filter((d) => d.outcome !== 'not run');
  const recovered = drills.filter((d) => d.outcome === 'recovered');
  const lines = [`# Drill run ${runId}`, '', `Started ${summary.at}. ${drills.length} drill(s), ${ran.length} run.`, ''];
  lines.push(`**Auto-recovery: ${recovered.length} of ${ran.length}** (${ran.length ? Math.round((recovered.length / ran.length) * 100) : 0}%), within each drill's budget.`, '');
  lines.push('| from the fault to | p50 | p90 |', '|---|---|---|');
  for (const m of milestones) {
    const values = recovered.flatMap((d) => (drillTimes(d)[m] === undefined ? [] : [drillTimes(d)[m]!]));
    lines.push(`| ${phaseNames[m]} | ${secs(percentile(values, 50))} | ${secs(percentile(values, 90))} |`);
  }
  lines.push('', earlier.length ? 'Each drill is compared with the last earlier run of its scenario.' : 'No earlier run to compare with.', '');
  lines.push('| drill | target | outcome | fired | MTTI | MTTK | MTTF | MTTR | failed requests | error budget | acked writes lost | vs previous |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const regressions: string[] = [];
  summary.drills.forEach((s, i) => {
    const d = drills[i];
    const t = s.times;
    const before = earlier
      .map((run) => run.drills.find((p) => p.scenario === s.scenario && p.outcome !== 'not run'))
      .filter((p) => p !== undefined)
      .at(-1);
    const worse = regression(s, before);
    if (worse) regressions.push(`${s.scenario}: ${worse}`);
    const change = worse
      ? `**regression: ${worse}**`
      : before?.times.verified !== undefined && t.verified !== undefined
        ? `MTTR ${before.times.verified}s → ${t.verified}s`
        : before
          ? before.outcome
          : 'new';
    const impact = d.impact;
    lines.push(
      `| ${[
        s.scenario,
        d.plan?.target ?? '–',
        d.outcome,
        secs(t.fired),
        secs(t.detected),
        secs(t.diagnosed),
        secs(t.fixed),
        secs(t.verified),
        impact ? `${impact.failed} of ${impact.requests}` : '–',
        impact ? `${impact.errorBudgetSeconds}s` : '–',
        impact ? `${impact.missing} of ${impact.acked}` : '–',
        change,
      ]
        .map((c) => tableCell(String(c)))
        .join(' | ')} |`,
    );
  });
  lines.push('', regressions.length ? `**Regressions:** ${regressions.join('; ')}` : 'No regressions.', '');
  for (const d of drills) lines.push(...drillSection(d));
  return `${lines.join('\n')}\n`;
}

function drillSection(d: DrillResult): string[] {
  const lines = [`## ${d.scenario}${d.plan ? ` on ${d.plan.target}` : ''}: ${d.outcome}`, ''];
  if (d.plan) lines.push(`${d.plan.description}. Expected: ${d.plan.expects.alert} → ${d.plan.expects.runbook}.`, '');
  if (d.error) lines.push(`**Problem:** ${d.error}`, '');
  if (d.injectedAt) lines.push(`![${d.scenario}](${d.scenario}.svg)`, '', `Injected at ${d.injectedAt}; ended at ${d.endedAt}.`, '');
  const o = d.observation;
  if (o?.incidentId) {
    lines.push(`Incident \`${o.incidentId}\`: ${o.status}.`, '');
    for (const t of o.timeline) lines.push(`- ${t.at} ${t.event}${t.detail ? `: ${t.detail}` : ''}`);
    for (const a of o.attempts) lines.push(`- runbook ${a.runbook}: ${a.status}${a.reason ? ` (${a.reason})` : ''}; steps: ${a.steps.join('; ') || 'none'}`);
    lines.push('');
  }
  if (o?.others.length) lines.push(`Also opened: ${o.others.map((x) => `\`${x.incidentId}\` (${x.ladder.join(' → ')}, ${x.status})`).join(', ')}.`, '');
  if (d.stoppedIncidents?.length) lines.push(`Stopped: ${d.stoppedIncidents.map((id) => `\`${id}\``).join(', ')}.`, '');
  if (d.undone) lines.push(`Undo: ${d.undone}.`, '');
  if (d.impact?.missing) lines.push(`**Acknowledged writes missing:** ${d.impact.missingIds.join(', ')}${d.impact.missing > d.impact.missingIds.length ? ', …' : ''}`, '');
  return lines;
}
