// The runbook outcome book as a workflow: recorded outcomes arrive as signals, readers query it. It keeps each
// runbook's latest attempts per signature and continues as new when its history grows long.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { outcomeBookQuery, outcomesRecordedSignal, type OutcomeBook, type OutcomeDelivery } from './outcome-definitions';

/** The latest attempts kept per runbook and signature: more than any learning window needs. */
export const keptAttempts = 20;

export async function runbookOutcomes(book: OutcomeBook = {}): Promise<never> {
  setHandler(outcomesRecordedSignal, (delivery) => record(book, delivery));
  setHandler(outcomeBookQuery, () => book);
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  return continueAsNew<typeof runbookOutcomes>(book);
}

/** Adds a delivery's entries; an incident run's attempt already recorded (a retried signal) is not counted twice. */
export function record(book: OutcomeBook, { signature, entries }: OutcomeDelivery): void {
  const runbooks = (book[signature] ??= {});
  for (const { runbook, ...entry } of entries) {
    const tally = (runbooks[runbook] ??= { attempts: 0, recovered: 0, recent: [] });
    if (tally.recent.some((e) => e.incidentId === entry.incidentId && e.runId === entry.runId)) continue;
    tally.attempts++;
    if (entry.recovered) tally.recovered++;
    tally.recent.push(entry);
    if (tally.recent.length > keptAttempts) tally.recent.shift();
  }
}
