// The outcome book's reads and writes: signal-with-start, so the first recorded outcome starts the book.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { outcomeBookId, outcomeBookQuery, outcomesRecordedSignal, type OutcomeBook, type OutcomeDelivery, type RunbookTally } from '../workflows/outcome-definitions';

export function outcomeActivities(client: Client) {
  return {
    async recordOutcomes(delivery: OutcomeDelivery): Promise<void> {
      const { taskQueue } = Context.current().info;
      await client.workflow.signalWithStart('runbookOutcomes', {
        workflowId: outcomeBookId(taskQueue),
        taskQueue,
        args: [{}],
        signal: outcomesRecordedSignal,
        signalArgs: [delivery],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    },

    /** The tallies of these runbooks on one signature; none before the first recorded outcome. Asked for at most `withinMs` (default: the activity's time). */
    async outcomeTallies({ signature, runbooks, withinMs }: { signature: string; runbooks: string[]; withinMs?: number }): Promise<Record<string, RunbookTally>> {
      const { taskQueue, startToCloseTimeoutMs } = Context.current().info;
      const book = await client.withDeadline(Date.now() + (withinMs ?? startToCloseTimeoutMs), () => readOutcomeBook(client, taskQueue));
      const tallies = book[signature] ?? {};
      return Object.fromEntries(runbooks.filter((r) => tallies[r]).map((r) => [r, tallies[r]]));
    },
  };
}

/** The whole book of a task queue's workers; empty before its first outcome. */
export async function readOutcomeBook(client: Client, taskQueue: string): Promise<OutcomeBook> {
  try {
    return await client.workflow.getHandle(outcomeBookId(taskQueue)).query(outcomeBookQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return {};
    throw err;
  }
}
