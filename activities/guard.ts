// Asks a target's guard for an attempt: update-with-start, so the first incident on a target starts its guard.
// The guard answers at once (granted, queued or refused); it never holds this activity open.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { acquireUpdate, guardWorkflowId, type AcquireRequest, type AcquireResult, type GuardStart } from '../workflows/definitions';
import { nonRetryable } from './errors';

/** A guard answers in milliseconds; one silent this long has no worker, or one too busy: mend looks at its queue. */
export const guardAnswersWithinMs = 15_000;

export function guardActivities(client: Client) {
  return {
    async acquireTarget({ target, request }: { target: string; request: AcquireRequest }): Promise<AcquireResult> {
      const { taskQueue } = Context.current().info;
      try {
        return await client.withDeadline(Date.now() + guardAnswersWithinMs, () =>
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
      } catch (err) {
        // The guard's validator refused (budget spent, cooldown): a decision, not a failure.
        if (err instanceof WorkflowUpdateFailedError) {
          return { decision: 'refused', runbook: request.runbook, reason: err.cause?.message ?? err.message };
        }
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
        throw err;
      }
    },
  };
}
