// Writes a drill run's report: report.md and one chart per drill in drills.dir/<run>/, and the run's summary appended
// to drills.dir/history.jsonl, which later runs compare themselves with.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MendConfig } from '../config/schema';
import { drillChart } from '../drills/chart';
import { type RunSummary, renderDrillReport, summarize } from '../drills/report';
import type { DrillResult } from '../drills/result';
import { readOutcomes } from './drill-outcomes';

export type DrillReportActivities = ReturnType<typeof drillReportActivities>;

export function drillReportActivities(config: MendConfig) {
  const dir = resolve(config.drills.dir);
  const historyFile = join(dir, 'history.jsonl');
  // The history's text, and its runs (a line cut short by a crash is skipped).
  const history = (): { text: string; runs: RunSummary[] } => {
    const text = existsSync(historyFile) ? readFileSync(historyFile, 'utf8') : '';
    const runs = text.split('\n').flatMap((l) => {
      try {
        return l.trim() ? [JSON.parse(l) as RunSummary] : [];
      } catch {
        return [];
      }
    });
    return { text, runs };
  };
  return {
    /** Writes the report (again, the same, on a retry) and returns its path. */
    async drillReport(input: { runId: string; drills: DrillResult[] }): Promise<string> {
      const runDir = join(dir, input.runId);
      mkdirSync(runDir, { recursive: true });
      for (const d of input.drills) {
        if (!d.injectedAt) continue;
        writeFileSync(join(runDir, `${d.scenario}.svg`), drillChart(d, d.plan?.outcomesFile ? readOutcomes(d.plan.outcomesFile) : []));
      }
      const { text, runs } = history();
      const file = join(runDir, 'report.md');
      writeFileSync(
        file,
        renderDrillReport(
          input.runId,
          input.drills,
          runs.filter((r) => r.runId !== input.runId),
        ),
      );
      writeFileSync(join(runDir, 'result.json'), JSON.stringify(input.drills, null, 2));
      // Once per run (a retry finds it there); after a line cut short by a crash, on a line of its own.
      if (!runs.some((r) => r.runId === input.runId)) {
        appendFileSync(historyFile, `${text && !text.endsWith('\n') ? '\n' : ''}${JSON.stringify(summarize(input.runId, input.drills))}\n`);
      }
      return file;
    },
  };
}
