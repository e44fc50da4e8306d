// An activity's receipt in Redis: written in the transaction that does its effect and read before acting, so the
// retry of an attempt whose worker died after acting returns what it did instead of doing it again.
import { Context } from '@temporalio/activity';
import type { ChainableCommander, Redis } from 'ioredis';

/** Long enough for any retry of the activity; short enough not to linger in the cache. */
const keepSeconds = 3600;

/** The receipt of the running activity: the same key for every attempt of it. */
function receiptKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  return `mend:receipt:${workflowExecution?.workflowId}:${workflowExecution?.runId}:${activityId}`;
}

/**
 * Runs `act` once per activity: a receipt already written returns its result; otherwise `act` queues its commands
 * on a MULTI transaction, which also writes the receipt, so both happen or neither.
 */
export async function once<R>(client: Redis, act: (tx: ChainableCommander) => Promise<R>): Promise<R> {
  const key = receiptKey();
  const done = await client.get(key);
  if (done) return JSON.parse(done) as R;
  const tx = client.multi();
  const result = await act(tx);
  tx.setex(key, keepSeconds, JSON.stringify(result));
  const failed = ((await tx.exec()) ?? []).find(([err]) => err);
  if (failed) throw new Error(`Redis refused the transaction: ${failed[0]!.message}`);
  return result;
}
