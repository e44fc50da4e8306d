// Reading mend's workflows as the CLI and the gateway do: an incident and its running runbook, a guard, a DR run,
// A workflow that is not there, or not of the kind asked for, is bad input.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { guardStateQuery, guardWorkflowId, incidentStatusQuery, runbookStatusQuery, type IncidentView, type RunbookView } from '../workflows/definitions';
import { drProgressQuery, drWorkflowType, type DrView } from '../workflows/dr-definitions';
import { UsageError } from './usage-error';

/** The workflow's execution, or undefined when there is none. */
export async function describeWorkflow(client: Client, id: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function readIncident(client: Client, id: string): Promise<{ incidentView: IncidentView; runbookView?: RunbookView; running: boolean }> {
  const running = (await describeIncident(client, id)).status.name === 'RUNNING';
  const incidentView = await client.workflow.getHandle(id).query(incidentStatusQuery);
  const runbookView = incidentView.runbookWorkflowId ? await client.workflow.getHandle(incidentView.runbookWorkflowId).query(runbookStatusQuery) : undefined;
  return { incidentView, runbookView, running };
}

/** The incident's execution; bad input when there is none or the workflow is not an incident. */
export async function describeIncident(client: Client, id: string): Promise<WorkflowExecutionDescription> {
  const execution = await describeWorkflow(client, id);
  if (!execution) throw new UsageError(`no incident "${id}"`, 404);
  if (execution.type !== 'incident') throw new UsageError(`"${id}" is a ${execution.type} workflow, not an incident`);
  return execution;
}

export async function readGuard(client: Client, target: string) {
  try {
    return await client.workflow.getHandle(guardWorkflowId(target)).query(guardStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no guard for "${target}": nothing has acted on it recently`, 404);
    throw err;
  }
}

/** Whether `id` is a DR checklist run (false when there is no such workflow). */
export async function isDrRun(client: Client, id: string): Promise<boolean> {
  return (await describeWorkflow(client, id))?.type === drWorkflowType;
}

/** The run's progress and its workflow's status (RUNNING, COMPLETED, TERMINATED, ...); bad input if it is no DR run. */
export async function readDrRun(client: Client, id: string): Promise<{ view: DrView; status: string }> {
  const { status } = await describeDrRun(client, id);
  return { view: await client.workflow.getHandle(id).query(drProgressQuery), status: status.name };
}

/** The run's execution; bad input when `id` is no DR run. */
export async function describeDrRun(client: Client, id: string): Promise<WorkflowExecutionDescription> {
  const execution = await describeWorkflow(client, id);
  if (execution?.type !== drWorkflowType) throw new UsageError(`no DR run "${id}"`, 404);
  return execution;
}
