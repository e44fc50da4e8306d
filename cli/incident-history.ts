// An incident's report from Temporal's history: the incident's result (its recovery record) and the approval
// signals its runbook workflows received. An incident still running answers its own `report` query instead.
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { tsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { renderIncidentReport, type ReceivedSignal } from '../common/incident-report';
import { targetKey } from '../common/search-attributes';
import type { IncidentInput, RecoveryRecord, RunbookResult, SignalApproval, TimelineEntry } from '../common/types';
import { approveSignal, incidentReportQuery, rejectSignal } from '../workflows/definitions';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function reportFromHistory(client: Client, incident: WorkflowExecutionDescription): Promise<string> {
  const handle = client.workflow.getHandle(incident.workflowId, incident.runId);
  if (incident.status.name === 'RUNNING') return handle.query(incidentReportQuery);
  const events = (await handle.fetchHistory()).events ?? [];
  const input = decode<IncidentInput>(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]);
  const signals = approvalSignals(incident.workflowId, events);
  for (const e of events) {
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (!child?.workflowId) continue;
    const childEvents = (await client.workflow.getHandle(child.workflowId, child.runId ?? undefined).fetchHistory()).events ?? [];
    signals.push(...approvalSignals(child.workflowId, childEvents));
  }
  signals.sort((a, b) => a.at.localeCompare(b.at));
  const completed = events[events.length - 1]?.workflowExecutionCompletedEventAttributes;
  const record = completed ? decode<RecoveryRecord>(completed.result?.payloads?.[0]) : unfinishedRecord(incident, input, events);
  return renderIncidentReport(record, { opened: input, signals });
}

/** approve/reject signals with who they say sent them and the comment, at the time Temporal received them. */
function approvalSignals(workflowId: string, events: HistoryEvent[]): ReceivedSignal[] {
  const names = new Set([approveSignal.name, rejectSignal.name]);
  return events.flatMap((e) => {
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (!signal?.signalName || !names.has(signal.signalName)) return [];
    const payload = decode<(SignalApproval & { attestation?: { identity?: unknown } }) | undefined>(signal.input?.payloads?.[0]);
    const says = payload?.relay
      ? `${payload.relay.sender.identity ?? 'unauthenticated'} (relayed by ${payload.relay.workflowId})`
      : text(payload?.attestation?.identity)
        ? `${text(payload?.attestation?.identity)} (gateway attestation)`
        : text(payload?.by);
    return [{ at: at(e), workflowId, name: signal.signalName, temporalIdentity: signal.identity ?? undefined, says, comment: text(payload?.comment) }];
  });
}

/** An incident that failed, was terminated, cancelled or timed out has no record: its history tells what it did. */
function unfinishedRecord(incident: WorkflowExecutionDescription, input: IncidentInput, events: HistoryEvent[]): RecoveryRecord {
  const timeline: TimelineEntry[] = [];
  const attempts: RunbookResult[] = [];
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) timeline.push({ at: at(e), event: 'detected', detail: input.summary ?? input.runbook });
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (child) timeline.push({ at: at(e), event: 'runbook started', detail: child });
    const result = e.childWorkflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
    if (result) {
      const attempt = decode<RunbookResult>(result);
      attempts.push(attempt);
      timeline.push({ at: at(e), event: `runbook ${attempt.status}`, detail: attempt.runbook });
    }
  }
  const reason = closeReason(events[events.length - 1]) ?? incident.status.name.toLowerCase();
  timeline.push({ at: (incident.closeTime ?? new Date()).toISOString(), event: 'failed', detail: reason });
  const target = incident.typedSearchAttributes.get(targetKey) ?? '(unknown)';
  return { incidentId: incident.workflowId, target, severity: input.severity, status: 'failed', reason, attempts, timeline };
}

function closeReason(e: HistoryEvent | undefined): string | undefined {
  if (e?.workflowExecutionFailedEventAttributes) return `failed: ${e.workflowExecutionFailedEventAttributes.failure?.message ?? ''}`;
  if (e?.workflowExecutionTerminatedEventAttributes) return `terminated: ${e.workflowExecutionTerminatedEventAttributes.reason || 'no reason given'}`;
  if (e?.workflowExecutionCanceledEventAttributes) return 'cancelled';
  if (e?.workflowExecutionTimedOutEventAttributes) return 'timed out';
  return undefined;
}

const decode = <T>(payload: Payload | null | undefined): T => (payload ? defaultPayloadConverter.fromPayload<T>(payload) : (undefined as T));
const at = (e: HistoryEvent) => tsToDate(e.eventTime!).toISOString();
const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
