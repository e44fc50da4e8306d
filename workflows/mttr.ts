// MTTR and its phases from the incident's timeline and the runbook that recovered it.
import type { RecoveryPhases, RunbookResult, TimelineEntry } from '../common/types';

const seconds = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export function recoveryTimes(
  timeline: TimelineEntry[],
  attempts: RunbookResult[],
): { mttrSeconds?: number; phases?: RecoveryPhases } {
  const at = (event: string) => timeline.find((t) => t.event === event)?.at;
  const fault = at('fault started');
  const detected = at('detected');
  const diagnosed = at('diagnosed') ?? detected;
  const recovery = attempts.find((a) => a.status === 'verified');
  if (!fault || !detected || !diagnosed || !recovery?.verifiedAt) return {};
  const fixed = recovery.fixedAt ?? diagnosed;
  return {
    mttrSeconds: seconds(fault, recovery.verifiedAt),
    phases: {
      detection: seconds(fault, detected),
      diagnosis: seconds(detected, diagnosed),
      fix: seconds(diagnosed, fixed),
      verification: seconds(fixed, recovery.verifiedAt),
    },
  };
}
