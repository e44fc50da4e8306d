// Reading an incident and its running runbook the way `mend status` does.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { incidentStatusQuery, runbookStatusQuery, type RunbookView } from '../../workflows/definitions';
import { waitFor } from './wait';

/** Waits until the incident's runbook asks for approval and returns its view. */
export async function awaitApproval(client: Client, incident: WorkflowHandle): Promise<RunbookView> {
  return waitFor(async () => {
    const { runbookWorkflowId } = await incident.query(incidentStatusQuery);
    if (!runbookWorkflowId) return undefined;
    const view = await client.workflow.getHandle(runbookWorkflowId).query(runbookStatusQuery);
    return view.approval ? view : undefined;
  }, 'the runbook to ask for approval');
}

export async function runbookView(client: Client, incident: WorkflowHandle): Promise<RunbookView> {
  const { runbookWorkflowId } = await incident.query(incidentStatusQuery);
  return client.workflow.getHandle(runbookWorkflowId!).query(runbookStatusQuery);
}
