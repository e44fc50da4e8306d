// Asks a target's guard for an attempt: update-with-start, so the first incident on a target starts its guard.
// The guard answers at once (granted, queued or refused); it never holds this activity open.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { acquireUpdate, guardWorkflowId, type AcquireRequest, type AcquireResult, type GuardStart } from '../workflows/definitions';

export function guardActivities(client: Client) {
  return {
    async acquireTarget({ target, request }: { target: string; request: AcquireRequest }): Promise<AcquireResult> {
      try {
        return await client.workflow.executeUpdateWithStart(acquireUpdate, {
          args: [request],
          updateId: `${request.incidentId}/${request.runbook}`,
          startWorkflowOperation: new WithStartWorkflowOperation<GuardStart>('targetGuard', {
            workflowId: guardWorkflowId(target),
            taskQueue: Context.current().info.taskQueue,
            args: [{ target }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
      } catch (err) {
        // The guard's validator refused (budget spent, cooldown): a decision, not a failure.
        if (err instanceof WorkflowUpdateFailedError) {
          return { decision: 'refused', runbook: request.runbook, reason: err.cause?.message ?? err.message };
        }
        throw err;
      }
    },
  };
}
