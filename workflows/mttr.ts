// MTTR and its phases from the incident's timeline and the runbook that recovered it.
import { secondsBetween } from '../common/duration';
import type { RecoveryPhases, RunbookResult, TimelineEntry } from '../common/types';

export function recoveryTimes(timeline: TimelineEntry[], attempts: RunbookResult[]): { mttrSeconds?: number; phases?: RecoveryPhases } {
  const at = (event: string) => timeline.find((t) => t.event === event)?.at;
  const fault = at('fault started');
  const detected = at('detected');
  const diagnosed = at('diagnosed') ?? detected;
  const recovery = attempts.find((a) => a.status === 'verified');
  if (!fault || !detected || !diagnosed || !recovery?.verifiedAt) return {};
  const fixed = recovery.fixedAt ?? diagnosed;
  return {
    mttrSeconds: secondsBetween(fault, recovery.verifiedAt),
    phases: {
      detection: secondsBetween(fault, detected),
      diagnosis: secondsBetween(detected, diagnosed),
      fix: secondsBetween(diagnosed, fixed),
      verification: secondsBetween(fixed, recovery.verifiedAt),
    },
  };
}
