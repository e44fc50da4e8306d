// An incident started by hand (`mend run`, the gateway's POST /incidents): the runbook, its params as `k=v` text
// checked by the runbook's schema, the severity and the id, checked before anything starts.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { severities, type IncidentInput, type Severity } from '../common/types';
import type { MendConfig } from '../config/schema';
import { catalogEntries, findRunbook } from '../workflows/catalog';
import { incident } from '../workflows/incident';
import { incidentStartOptions } from './incident-start';
import { parseParams } from './params';
import { UsageError } from './usage-error';
import { newWorkflowId } from './workflow-ids';

export interface IncidentRequest {
  runbook: string;
  /** `key=value` pairs. */
  params: string[];
  severity: string;
  dryRun?: boolean;
  summary?: string;
  id?: string;
}

export interface PlannedIncident {
  id: string;
  input: IncidentInput;
  target: string;
}

export function planIncident(request: IncidentRequest): PlannedIncident {
  const definition = findRunbook(request.runbook);
  if (!definition) {
    const known = catalogEntries()
      .map((e) => e.definition.name)
      .join(', ');
    throw new UsageError(`unknown runbook "${request.runbook}" (known: ${known})`, 404);
  }
  const severity = checkSeverity(request.severity);
  const params = parseParams(definition, request.params);
  const target = definition.target(definition.params.parse(params));
  if (request.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/.test(request.id)) {
    throw new UsageError(`--id must be 1-200 letters, digits, '.', '_', ':' or '-' (no '/'), got "${request.id}"`);
  }
  const input: IncidentInput = { runbook: definition.name, params, severity, dryRun: !!request.dryRun, summary: request.summary, source: 'cli' };
  return { id: request.id ?? newWorkflowId(definition.name), input, target };
}

/** Starts it; `startedWith` is the planned input, or the same with the gateway's attestation of who asked. */
export async function startIncident(client: Client, config: MendConfig, { id, input, target }: PlannedIncident, startedWith: IncidentInput = input) {
  try {
    return await client.workflow.start(incident, { workflowId: id, args: [startedWith], ...incidentStartOptions(config, input, target) });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new UsageError(`an incident ${id} already exists`, 409);
    throw err;
  }
}

export function checkSeverity(value: string): Severity {
  if (!(severities as readonly string[]).includes(value)) {
    throw new UsageError(`--severity must be one of ${severities.join(', ')}, got "${value}"`);
  }
  return value as Severity;
}
