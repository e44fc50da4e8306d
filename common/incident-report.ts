// The Markdown post-incident report: summary, MTTR and phases, timeline, and every attempt with its approvals,
// actions, verification evidence and compensations. Pure (no Node imports): the incident's `report` query and
// `mend report` (from Temporal's history) both render with it.
import { shortJson as json, tableCell as cell } from './markdown';
import type { IncidentInput, RecoveryRecord, RunbookResult, StepRecord } from './types';

/** A signal as Temporal's history recorded it (approve/reject): who its payload says sent it, unverified. */
export interface ReceivedSignal {
  at: string;
  workflowId: string;
  name: string;
  /** The identity its sender gave Temporal (a client's own choice). */
  temporalIdentity?: string;
  /** Who the payload names: the gateway's attestation, a relaying workflow's sender, or a "by" field. */
  says?: string;
  comment?: string;
}

export interface ReportExtras {
  /** How the incident was opened. */
  opened?: Pick<IncidentInput, 'runbook' | 'summary' | 'dryRun'>;
  /** The runbook workflow still running, for a report of an incident in progress. */
  running?: string;
  /** Approval signals read from the histories of the incident and its runbooks. */
  signals?: ReceivedSignal[];
}

const settled = new Set(['recovered', 'not-needed', 'planned', 'refused', 'rejected', 'stood-down', 'escalated', 'failed']);

export function renderIncidentReport(record: RecoveryRecord, extras: ReportExtras = {}): string {
  const ended = settled.has(record.status);
  const first = record.timeline.find((t) => t.event === 'detected')?.at;
  const last = record.timeline[record.timeline.length - 1]?.at;
  const recovered = record.attempts.find((a) => a.status === 'verified');
  const lines = [
    `# Incident ${record.incidentId}: ${record.status}${ended ? '' : ' (in progress)'}`,
    '',
    summary(record, recovered, extras),
    '',
    '| | |',
    '|---|---|',
    `| Target | ${code(record.target)} |`,
    `| Severity | ${record.severity} |`,
  ];
  if (extras.opened)
    lines.push(`| Opened with | ${code(extras.opened.runbook)}${extras.opened.dryRun ? ' (dry-run)' : ''}${extras.opened.summary ? `: ${cell(extras.opened.summary)}` : ''} |`);
  lines.push(`| Status | ${record.status}${record.reason ? `: ${cell(record.reason)}` : ''} |`);
  if (first) lines.push(`| Detected | ${first} |`);
  if (ended && last) lines.push(`| Ended | ${last} |`);
  if (extras.running) lines.push(`| Running | ${code(extras.running)} |`);
  lines.push('', ...mttr(record), '', '## Timeline', '', '| time | event | detail |', '|---|---|---|');
  for (const t of record.timeline) lines.push(`| ${t.at} | ${cell(t.event)} | ${cell(t.detail ?? '')} |`);
  record.attempts.forEach((a, i) => lines.push('', ...attempt(a, i + 1)));
  if (extras.signals?.length) {
    lines.push(
      '',
      "## Approval signals received (Temporal's history)",
      '',
      'As sent, unverified: who decided is in the approvals above.',
      '',
      '| time | workflow | signal | Temporal identity | payload says | comment |',
      '|---|---|---|---|---|---|',
    );
    for (const s of extras.signals) {
      lines.push(`| ${s.at} | ${code(s.workflowId)} | ${s.name} | ${cell(s.temporalIdentity ?? '')} | ${cell(s.says ?? '')} | ${cell(s.comment ?? '')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function summary(record: RecoveryRecord, recovered: RunbookResult | undefined, extras: ReportExtras): string {
  const tried = record.attempts.map((a) => `${a.runbook} (${a.status})`).join(', then ');
  const attempts = record.attempts.length ? `Tried ${tried}.` : 'No runbook ran.';
  const outcome = recovered
    ? `Recovered by ${recovered.runbook}${record.mttrSeconds !== undefined ? ` in ${seconds(record.mttrSeconds)} from the fault's start` : ''}.`
    : `Outcome: ${record.status}${record.reason ? ` (${record.reason})` : ''}.`;
  const running = extras.running ? ` Now running ${extras.running}.` : '';
  return `${attempts}${running} ${outcome}`;
}

function mttr(record: RecoveryRecord): string[] {
  const { phases, mttrSeconds } = record;
  if (!phases || mttrSeconds === undefined) return ['## MTTR', '', 'No verified recovery: no MTTR.'];
  return [
    '## MTTR',
    '',
    '| phase | from → to | seconds |',
    '|---|---|---|',
    `| MTTI detection | fault started → detected | ${seconds(phases.detection)} |`,
    `| MTTK diagnosis | detected → diagnosed | ${seconds(phases.diagnosis)} |`,
    `| MTTF fix | diagnosed → fixed | ${seconds(phases.fix)} |`,
    `| MTTV verification | fixed → verified | ${seconds(phases.verification)} |`,
    `| **MTTR** | fault started → verified | ${seconds(mttrSeconds)} |`,
  ];
}

function attempt(a: RunbookResult, n: number): string[] {
  const lines = [`## Attempt ${n}: ${a.runbook}${a.dryRun ? ' (dry-run)' : ''}: ${a.status}`, ''];
  if (a.reason) lines.push(`Reason: ${a.reason}`, '');
  if (a.fixedAt || a.verifiedAt) lines.push(`Fixed at ${a.fixedAt ?? '—'}; verified at ${a.verifiedAt ?? '—'}.`, '');
  lines.push('### Approvals', '');
  if (!a.approvals.length) lines.push('None asked or given.');
  else {
    lines.push('| time | who (authenticated) | via | decision | outcome | comment | evidence |', '|---|---|---|---|---|---|---|');
    for (const d of a.approvals) {
      const outcome = d.accepted ? 'accepted' : `refused: ${d.reason ?? ''}`;
      const who = d.claimed ? `${d.by} (said ${d.claimed})` : d.by;
      lines.push(`| ${d.at} | ${cell(who)} | ${d.channel ?? ''} | ${d.decision} | ${cell(outcome)} | ${cell(d.comment ?? '')} | ${cell(d.evidence ?? '')} |`);
    }
  }
  lines.push('', '### Actions', '');
  if (!a.steps.length) lines.push('No step was taken.');
  else {
    lines.push('| started | ended | step | status | result or error |', '|---|---|---|---|---|');
    for (const s of a.steps) lines.push(`| ${s.startedAt} | ${s.endedAt ?? ''} | ${cell(s.name)} | ${s.status} | ${outcomeOf(s)} |`);
  }
  lines.push('', '### Verification', '');
  if (!a.verifications.length) lines.push('No verification ran.');
  for (const v of a.verifications) {
    lines.push(`- **${cell(v.name)}**: ${v.ok ? 'passed' : 'failed'} after ${v.checks} check${v.checks === 1 ? '' : 's'} (last at ${v.at}); evidence: ${code(json(v.evidence))}`);
  }
  const undone = a.steps.filter((s) => s.status === 'undone' || s.status === 'undo-failed');
  lines.push('', '### Compensations', '');
  if (!undone.length) lines.push('None: nothing was undone.');
  // In the order they ran: the undos run in reverse, the last step first.
  for (const s of undone.reverse()) {
    lines.push(s.status === 'undone' ? `- undone at ${s.undoneAt}: ${cell(s.name)}` : `- **undo failed**: ${cell(s.name)}: ${cell(s.error ?? '')}`);
  }
  return lines;
}

function outcomeOf(s: StepRecord): string {
  const parts = [];
  if (s.result !== undefined) parts.push(code(json(s.result)));
  if (s.error) parts.push(`error: ${cell(s.error)}`);
  if (s.restoredBy) parts.push(`restored by ${cell(s.restoredBy)}`);
  return parts.join('; ');
}

const seconds = (n: number) => `${Math.round(n * 1000) / 1000} s`;

/** Inline code safe inside a table cell, even when the text holds backticks. */
function code(text: string): string {
  const safe = cell(text);
  return safe.includes('`') ? `\`\` ${safe} \`\`` : `\`${safe}\``;
}
