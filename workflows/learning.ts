// Learning from outcomes: an incident skips a rung of its ladder that has not recovered this alert signature in any
// of its recent attempts (with enough of them), and it tells the outcome book what each of its attempts did.
// Skipping a rung never skips the policy or an approval: the rungs left run under both, as before.
import type { RecoveryRecord, RunbookResult } from '../common/types';
import type { AlertsView } from './definitions';
import type { OutcomeEntry, RunbookTally } from './outcome-definitions';

export interface LearningSettings {
  /** The latest attempts judged. */
  window: number;
  /** Fewer attempts than this (within the window and memory) decide nothing. */
  minSample: number;
  /** Attempts older than this are forgotten, so a skipped rung gets tried again one day. */
  memoryMs: number;
}

/**
 * What went wrong where: the alerts that opened the incident (or the runbook it was started with, when no alert did)
 * on its target. One target's failures teach nothing about another's.
 */
export function signatureOf(alerts: AlertsView | undefined, runbook: string, target: string): string {
  const names = [...new Set(alerts?.alerts.map((a) => a.name))].sort();
  return `${names.length ? names.join('+') : `${runbook} (started by hand)`} on ${target}`;
}

export interface SkippedRung {
  runbook: string;
  because: string;
}

/** A runbook's latest attempts on a signature that are judged: within the memory, at most the window. */
export function recentAttempts(tally: RunbookTally | undefined, settings: LearningSettings, now: number): RunbookTally['recent'] {
  return (tally?.recent ?? []).filter((e) => now - Date.parse(e.at) <= settings.memoryMs).slice(-settings.window);
}

/** Enough recent attempts, and none recovered. */
export const keepsFailing = (recent: RunbookTally['recent'], settings: LearningSettings): boolean => recent.length >= settings.minSample && !recent.some((e) => e.recovered);

/** The rungs to skip: those that keep failing. The last rung left always runs. */
export function rungsToSkip(ladder: string[], tallies: Record<string, RunbookTally>, signature: string, settings: LearningSettings, now: number): SkippedRung[] {
  const skipped: SkippedRung[] = [];
  for (const runbook of ladder.slice(0, -1)) {
    const recent = recentAttempts(tallies[runbook], settings, now);
    if (keepsFailing(recent, settings)) skipped.push({ runbook, because: `0 of ${recent.length} recent attempts recovered ${signature}` });
  }
  return skipped;
}

/**
 * The evidence a runbook is judged by: its attempts that recovered, and those that acted and then failed their
 * verification. An attempt that failed for another reason (a refused grant, an unreachable server) says nothing
 * about whether the runbook helps.
 */
export function outcomeEntries(record: RecoveryRecord, runId: string): OutcomeEntry[] {
  return record.attempts.filter(acted).map((a) => ({
    runbook: a.runbook,
    recovered: a.status === 'verified',
    at: a.verifiedAt ?? a.steps.at(-1)?.endedAt ?? a.steps.at(-1)?.startedAt ?? new Date().toISOString(),
    mttrSeconds: a.status === 'verified' ? record.mttrSeconds : undefined,
    incidentId: record.incidentId,
    runId,
  }));
}

const acted = (a: RunbookResult): boolean =>
  !a.dryRun &&
  (a.status === 'verified' || ((a.status === 'failed' || a.status === 'needs-people') && a.steps.some((s) => s.status !== 'planned') && a.verifications.some((v) => !v.ok)));
