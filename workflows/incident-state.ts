// Where an incident stands (status, target, ladder, running runbook, timeline, attempts, record), shown by its status
// query and as its current details; its status is tagged once the settings allow search attributes.
import { setCurrentDetails } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { statusKey } from '../common/search-attributes';
import type { IncidentStatus, RecoveryRecord, RunbookResult, TimelineEntry } from '../common/types';
import type { AlertBook } from './alert-book';
import type { ApprovalRequest, IncidentView } from './definitions';
import { describeApproval } from './kit/approval';

export class IncidentState {
  readonly timeline: TimelineEntry[] = [];
  readonly attempts: RunbookResult[] = [];
  status: IncidentStatus = 'open';
  waitingFor: string | undefined;
  target = '(unknown)';
  ladder: string[] = [];
  /** Rungs of the ladder skipped for their recorded outcomes (learning). */
  skipped: string[] = [];
  approval: ApprovalRequest | undefined;
  runbookWorkflowId: string | undefined;
  /** Who started the incident by hand, authenticated: never its approver. */
  requester: string | undefined;
  record: RecoveryRecord | undefined;
  /** Tags the incident's search attributes: does nothing until the settings say they exist. */
  tag = (_: SearchAttributeUpdatePair[]) => undefined as void;

  constructor(
    readonly incidentId: string,
    private readonly alerts: AlertBook | undefined,
  ) {}

  readonly view = (): IncidentView => ({
    incidentId: this.incidentId,
    target: this.target,
    status: this.status,
    waitingFor: this.waitingFor,
    approval: this.approval,
    runbookWorkflowId: this.runbookWorkflowId,
    ladder: this.ladder,
    skipped: this.skipped.length ? this.skipped : undefined,
    timeline: this.timeline,
    record: this.record,
    alerts: this.alerts?.view(),
  });

  /** The rungs the incident tries: its ladder less those skipped. */
  rungs(): string[] {
    return this.ladder.filter((r) => !this.skipped.includes(r));
  }

  /** Adds an event to the timeline. */
  mark(event: string, detail?: string): void {
    this.timeline.push({ at: new Date().toISOString(), event, detail });
    this.publish();
  }

  publish(): void {
    setCurrentDetails(renderIncident(this.view()));
  }

  setStatus(next: IncidentStatus, waiting?: string): void {
    this.status = next;
    this.waitingFor = waiting;
    this.tag([{ key: statusKey, value: next }]);
    this.publish();
  }
}

function renderIncident(v: IncidentView): string {
  const lines = [`**Incident** on \`${v.target}\`: ${v.status}`];
  if (v.approval) lines.push(...describeApproval(v.approval));
  else if (v.waitingFor) lines.push(`Waiting for: ${v.waitingFor}`);
  if (v.runbookWorkflowId) lines.push(`Runbook workflow: ${v.runbookWorkflowId} (approve/reject here or there)`);
  if (v.ladder.length) lines.push(`Ladder: ${v.ladder.map((r) => (v.skipped?.includes(r) ? `${r} (skipped)` : r)).join(' → ')} → people`);
  if (v.alerts) lines.push(`Alert: ${v.alerts.firing ? 'firing' : 'resolved'} (${v.alerts.notifications} notifications, key ${v.alerts.key})`);
  for (const t of v.timeline.slice(-8)) lines.push(`- ${t.at} ${t.event}${t.detail ? `: ${t.detail}` : ''}`);
  return lines.join('\n');
}
