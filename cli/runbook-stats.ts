// `mend runbooks --stats`: what each runbook's attempts did per alert signature, from the outcome book, and whether
// the next incident of that signature skips it.
import { readOutcomeBook } from '../activities/outcomes';
import { learningSettings } from '../config/learning-schema';
import { keepsFailing, recentAttempts } from '../workflows/learning';
import { table } from './render';
import type { Session } from './session';

export interface RunbookStats {
  signature: string;
  runbook: string;
  recent: { attempts: number; recovered: number };
  total: { attempts: number; recovered: number };
  /** Median MTTR of the recent recoveries. */
  medianMttrSeconds?: number;
  /** The next incident of this signature skips it (unless it is the last rung left). */
  skipped: boolean;
}

export async function runbookStats(session: Session, json: boolean): Promise<void> {
  const { config, out } = session;
  const book = await readOutcomeBook(await session.client(), config.temporal.taskQueue);
  const settings = learningSettings(config.learning);
  const now = Date.now();
  const stats: RunbookStats[] = Object.entries(book).flatMap(([signature, runbooks]) =>
    Object.entries(runbooks).map(([runbook, tally]) => {
      const recent = recentAttempts(tally, settings, now);
      const times = recent.flatMap((e) => (e.mttrSeconds === undefined ? [] : [e.mttrSeconds])).sort((a, b) => a - b);
      return {
        signature,
        runbook,
        recent: { attempts: recent.length, recovered: recent.filter((e) => e.recovered).length },
        total: { attempts: tally.attempts, recovered: tally.recovered },
        medianMttrSeconds: times.length ? times[Math.floor((times.length - 1) / 2)] : undefined,
        skipped: config.learning.skipFailingRungs && keepsFailing(recent, settings),
      };
    }),
  );
  if (json) return out(JSON.stringify(stats, null, 2));
  if (!stats.length) return out('No recorded outcomes yet: incidents record theirs when they end.');
  out(
    table(
      stats.map((s) => ({
        signature: s.signature,
        runbook: s.runbook,
        recent: `${s.recent.recovered} of ${s.recent.attempts} recovered`,
        total: `${s.total.recovered} of ${s.total.attempts}`,
        'median mttr': s.medianMttrSeconds === undefined ? '-' : `${s.medianMttrSeconds.toFixed(1)}s`,
        next: s.skipped ? 'skipped' : 'tried',
      })),
    ),
  );
}
