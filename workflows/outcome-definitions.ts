// The runbook outcome book: what each runbook's attempts did for each alert signature, kept by one workflow per
// task queue, so that incidents can skip rungs that keep failing (see learning.ts).
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** One attempt that acted: did it recover the target? */
export interface OutcomeEntry {
  runbook: string;
  recovered: boolean;
  /** When it ended, ISO time. */
  at: string;
  /** From the fault to the recovery, when it recovered. */
  mttrSeconds?: number;
  incidentId: string;
  /** The incident's run: the incidents of one alert share their id. */
  runId: string;
}

export interface OutcomeDelivery {
  signature: string;
  entries: OutcomeEntry[];
}

/** A runbook's record on one signature: totals, and its latest attempts (oldest first). */
export interface RunbookTally {
  attempts: number;
  recovered: number;
  recent: Omit<OutcomeEntry, 'runbook'>[];
}

/** signature → runbook → tally. */
export type OutcomeBook = Record<string, Record<string, RunbookTally>>;

export const outcomesRecordedSignal = defineSignal<[OutcomeDelivery]>('outcomesRecorded');
export const outcomeBookQuery = defineQuery<OutcomeBook>('outcomes');

/** The book's workflow id: one book per task queue (workers of one queue share their runbooks). */
export const outcomeBookId = (taskQueue: string): string => `runbook-outcomes/${taskQueue}`;
