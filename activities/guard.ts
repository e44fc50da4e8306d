// Asks a target's guard for an attempt: update-with-start, so the first incident on a target starts its guard.
// The guard answers at once (granted, queued or refused); it never holds this activity open.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { acquireUpdate, guardWorkflowId, type AcquireRequest, type AcquireResult, type GuardStart } from '../workflows/definitions';
import { nonRetryable } from './errors';

/**
 * A guard answers in milliseconds; one silent this long (or half the activity's time, if less) has no worker, or
 * one too busy: mend looks at its queue, and asks again while it is this worker's.
 */
export const guardAnswersWithinMs = 15_000;

export function guardActivities(client: Client) {
  return {
    async acquireTarget({ target, request }: { target: string; request: AcquireRequest }): Promise<AcquireResult> {
      const { taskQueue, startToCloseTimeoutMs } = Context.current().info;
      const patience = Math.min(guardAnswersWithinMs, startToCloseTimeoutMs / 2);
      const endsAt = Date.now() + startToCloseTimeoutMs;
      // The same update id each time: a request the guard already took is answered, not taken twice.
      const ask = () =>
        client.withDeadline(Date.now() + patience, () =>
          client.workflow.executeUpdateWithStart(acquireUpdate, {
            args: [request],
            updateId: `${request.incidentId}/${request.runbook}`,
            startWorkflowOperation: new WithStartWorkflowOperation<GuardStart>('targetGuard', {
              workflowId: guardWorkflowId(target),
              taskQueue,
              args: [{ target }],
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          }),
        );
      for (;;) {
        try {
          return await ask();
        } catch (err) {
          // The guard's validator refused (budget spent, cooldown): a decision, not a failure.
          if (err instanceof WorkflowUpdateFailedError) {
            return { decision: 'refused', runbook: request.runbook, reason: err.cause?.message ?? err.message };
          }
          if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw err;
          const guardQueue = await client.workflow
            .getHandle(guardWorkflowId(target))
            .describe()
            .then(
              (d) => d.taskQueue,
              () => undefined,
            );
          if (guardQueue && guardQueue !== taskQueue) {
            throw nonRetryable(
              `the guard of ${target} runs on task queue "${guardQueue}", which this worker (queue "${taskQueue}") does not poll: deployments sharing a namespace must share the queue; terminate the guard if its queue is gone`,
            );
          }
          // Busy, on this worker's queue: asked again while the activity has the time.
          if (Date.now() + patience > endsAt) throw new Error(`the guard of ${target} did not answer within ${Math.round(startToCloseTimeoutMs / 1000)} s`);
        }
      }
    },
  };
}
