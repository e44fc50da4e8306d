// How an incident workflow is started, the same from the CLI and the gateway: queue, summary and search attributes.
import type { WorkflowOptions } from '@temporalio/client';
import { runbookKey, severityKey, statusKey, targetKey } from '../common/search-attributes';
import type { IncidentInput } from '../common/types';
import type { MendConfig } from '../config/schema';

export function incidentStartOptions(
  config: MendConfig,
  input: IncidentInput,
  target: string,
): Pick<WorkflowOptions, 'taskQueue' | 'staticSummary' | 'staticDetails' | 'typedSearchAttributes'> {
  return {
    taskQueue: config.temporal.taskQueue,
    staticSummary: `${input.runbook} on ${target} (${input.severity})${input.dryRun ? ' — dry-run' : ''}`,
    staticDetails: input.summary,
    typedSearchAttributes: config.temporal.searchAttributes
      ? [
          { key: runbookKey, value: input.runbook },
          { key: targetKey, value: target },
          { key: severityKey, value: input.severity },
          { key: statusKey, value: 'open' },
        ]
      : undefined,
  };
}
