// An incident's side of learning: it reads the outcome book before it climbs, skipping the rungs that keep failing
// for its signature (said in its timeline), and records what its attempts did once it has an outcome.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MendActivities } from '../activities';
import type { Opening, OpeningInput } from '../activities/incident-opening';
import { errorMessage } from '../common/error-message';
import type { IncidentInput, RecoveryRecord } from '../common/types';
import { bootstrap } from './bootstrap';
import { rungParams } from './incident-ladder';
import type { IncidentState } from './incident-state';
import { outcomeEntries, rungsToSkip, type LearningSettings } from './learning';

// Read on the way to the first rung: a slow book is passed by, not waited for.
const book = proxyActivities<MendActivities>({ startToCloseTimeout: '5s', retry: { maximumAttempts: 1 } });

/** The book as the incident's opening read it: for this signature and these runbooks. */
export type BookRead = OpeningInput['outcomes'] & NonNullable<Opening['book']>;

/**
 * Skips the rungs that keep failing among those that can run here; the last of those always runs. The book is read
 * now unless `read` (at the opening) was for the same signature and covers the runnable rungs.
 */
export async function skipFailingRungs(
  state: IncidentState,
  signature: string,
  settings: LearningSettings | undefined,
  params: IncidentInput['params'],
  read?: BookRead,
): Promise<void> {
  const runnable = state.ladder.filter((r) => rungParams(r, params, state.target));
  if (!settings || runnable.length < 2) return;
  const fits = read && read.signature === signature && runnable.every((r) => read.runbooks.includes(r)) ? read : undefined;
  const found =
    fits ??
    (await book.outcomeTallies({ signature, runbooks: runnable }).then(
      (tallies) => ({ tallies }),
      (err) => ({ unread: errorMessage(err) }),
    ));
  if ('unread' in found) return state.mark('outcomes unread', `every rung is tried: ${found.unread}`);
  for (const { runbook, because } of rungsToSkip(runnable, found.tallies, signature, settings, Date.now())) {
    state.skipped.push(runbook);
    state.mark('rung skipped by outcomes', `${runbook}: ${because}`);
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
