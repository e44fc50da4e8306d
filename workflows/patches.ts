// Every patched() id mend's workflow code asks, in one place. A change to the commands a running workflow replays
// goes behind a new entry here (then `changed('…')` where the code branches), never behind an id written inline;
// a pack's runbooks branch on `kit.changed(id)`.
import { patched } from '@temporalio/workflow';

interface Patch {
  id: string;
  /** The change concerns only these runbooks' runs: others have it and record no marker. */
  runbooks?: string[];
}

export const patches = {
  /** Incidents send notifications through an activity (recorded before: no notify activity). */
  notifications: { id: 'notifications' },
  /** A runbook tells its incident what approval it waits for (recorded before: it did not). */
  approvalShownByIncident: { id: 'approval-shown-by-incident' },
  /** The guard checks an override's sender against the policy as configured now (recorded before: unchecked). */
  overrideByCurrentPolicy: { id: 'override-by-current-policy' },
  /**
   * The failover's own approval joins the one the policy wants before acting, and it looks again after it
   * (recorded before: its approval was asked alone, then the policy's, and nothing was read again).
   */
  approvalJoinsDue: { id: 'failover-one-approval-then-look-again', runbooks: ['mysql-primary-failover'] },
  /** Incidents read the outcome book before climbing and record their attempts in it (recorded before: neither). */
  learnFromOutcomes: { id: 'learn-from-outcomes' },
  /**
   * An incident's settings, diagnosis and outcome-book read are one activity (recorded before: settings and
   * diagnosis were two, and the book was read in a third once the diagnosis was in).
   */
  incidentOpensInOneCall: { id: 'incident-opens-in-one-call' },
  /**
   * Operators' signals count only once an activity has read their authenticated sender from history (recorded
   * before: the payload's "by" was taken as is).
   */
  operatorsAuthenticated: { id: 'operators-authenticated' },
  /** A drill stopped at its budget records what stood then (recorded before: nothing). */
  drillSaysWhereItStopped: { id: 'drill-says-where-it-stopped' },
} satisfies Record<string, Patch>;

/** Whether this run has the change: true for new runs, and for replays of runs recorded with it. */
export function changed(patch: keyof typeof patches, runbook?: string): boolean {
  const { id, runbooks }: Patch = patches[patch];
  if (runbooks && !runbook) throw new Error(`patch ${patch} concerns runbooks: name the runbook`);
  if (runbooks && !runbooks.includes(runbook!)) return true;
  return patched(id);
}

/**
 * Whether this run of `runbook` has its pack's change `id` (the kit's `changed`): a pack versions its own runbooks,
 * each id namespaced by the runbook.
 */
export function runbookChanged(runbook: string, id: string): boolean {
  return patched(`${runbook}:${id}`);
}
