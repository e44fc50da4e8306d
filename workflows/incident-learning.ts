// An incident's side of learning: it reads the outcome book before it climbs, skipping the rungs that keep failing
// for its signature (said in its timeline), and records what its attempts did once it has an outcome.
import { workflowInfo } from '@temporalio/workflow';
import { errorMessage } from '../common/error-message';
import type { RecoveryRecord } from '../common/types';
import { bootstrap } from './bootstrap';
import type { IncidentState } from './incident-state';
import { outcomeEntries, rungsToSkip, type LearningSettings } from './learning';

export async function skipFailingRungs(state: IncidentState, signature: string, settings: LearningSettings | undefined): Promise<void> {
  if (!settings || state.ladder.length < 2) return;
  let tallies: Awaited<ReturnType<typeof bootstrap.outcomeTallies>>;
  try {
    tallies = await bootstrap.outcomeTallies({ signature, runbooks: state.ladder });
  } catch (err) {
    state.mark('outcomes unread', `every rung is tried: ${errorMessage(err)}`);
    return;
  }
  for (const { runbook, because } of rungsToSkip(state.ladder, tallies, signature, settings, Date.now())) {
    state.ladder = state.ladder.filter((r) => r !== runbook);
    state.mark('rung skipped', `${runbook}: ${because}`);
  }
}

export async function recordOutcomes(state: IncidentState, signature: string, record: RecoveryRecord): Promise<void> {
  const entries = outcomeEntries(record, workflowInfo().runId);
  if (!entries.length) return;
  try {
    await bootstrap.recordOutcomes({ signature, entries });
  } catch (err) {
    state.mark('outcomes unrecorded', errorMessage(err));
  }
}
