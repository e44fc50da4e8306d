// Asks a target's guard for an attempt: update-with-start, so the first incident on a target starts its guard.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { acquireUpdate, guardWorkflowId, type AcquireRequest, type AcquireResult } from '../workflows/definitions';
import type { targetGuard } from '../workflows/guard';

export function guardActivities(client: Client) {
  return {
    async acquireTarget({ target, request }: { target: string; request: AcquireRequest }): Promise<AcquireResult> {
      const { taskQueue } = Context.current().info;
      const beat = setInterval(() => Context.current().heartbeat(), 5_000);
      try {
        return await client.workflow.executeUpdateWithStart(acquireUpdate, {
          args: [request],
          updateId: `${request.incidentId}/${request.runbook}`,
          startWorkflowOperation: new WithStartWorkflowOperation<typeof targetGuard>('targetGuard', {
            workflowId: guardWorkflowId(target),
            taskQueue,
            args: [{ target }],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
      } catch (err) {
        // The guard's validator refused at once (budget spent, cooldown): a refusal, not a failure.
        if (err instanceof WorkflowUpdateFailedError) return { granted: false, reason: err.cause?.message ?? err.message };
        throw err;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
