// Reading an incident and its running runbook the way `mend status` does.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { incidentStatusQuery, runbookStatusQuery, type RunbookView } from '../../workflows/definitions';
import { fillNearMaxmemory, type MendFixture } from './mend';
import { waitFor } from './wait';

/** Waits until the incident's runbook asks for approval, and the incident has heard so, and returns the runbook's view. */
export async function awaitApproval(client: Client, incident: WorkflowHandle): Promise<RunbookView> {
  return waitFor(async () => {
    const { runbookWorkflowId, approval } = await incident.query(incidentStatusQuery);
    if (!runbookWorkflowId || !approval) return undefined;
    const view = await client.workflow.getHandle(runbookWorkflowId).query(runbookStatusQuery);
    return view.approval ? view : undefined;
  }, 'the runbook to ask for approval, and its incident to hear so');
}

export async function runbookView(client: Client, incident: WorkflowHandle): Promise<RunbookView> {
  const { runbookWorkflowId } = await incident.query(incidentStatusQuery);
  return client.workflow.getHandle(runbookWorkflowId!).query(runbookStatusQuery);
}

/** A critical redis-memory-relief incident (the policy asks for approval before it acts), once it waits for approval. */
export async function incidentAwaitingApproval({ mend, redis }: MendFixture) {
  await fillNearMaxmemory(redis);
  const handle = await mend.start({
    runbook: 'redis-memory-relief',
    severity: 'critical',
    params: { redis: mend.redisName(), pattern: 'session:*', below: 0.9, stabilize: '100ms', verifyWithin: '30s' },
  });
  await awaitApproval(mend.client, handle);
  return handle;
}
