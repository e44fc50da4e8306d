// Plain-text views for the terminal.
import type { GuardView, IncidentView, RunbookView } from '../workflows/definitions';
import type { ParamInfo } from '../common/runbook-params';
import type { RecoveryPhases, TimelineEntry } from '../common/types';

export function table(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => r[c] ?? '')))].join('\n');
}

export function renderRunbooks(list: { name: string; pack: string; risk: string; description: string; escalateTo: string[]; params: ParamInfo[] }[]): string {
  return list
    .map((r) => {
      const lines = [`${r.name}  (risk: ${r.risk})  pack ${r.pack}`, `  ${r.description}`];
      if (r.escalateTo.length) lines.push(`  escalates to: ${r.escalateTo.join(' → ')}`);
      for (const p of r.params) {
        const flag = p.required ? 'required' : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional';
        lines.push(`  --param ${p.name}=<${p.type}>  ${flag}${p.description ? `  ${p.description}` : ''}`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

/** An incident and its running (or last) runbook; `timelineTail` keeps only the latest timeline entries. */
export function renderIncident(incident: IncidentView, runbook?: RunbookView, { timelineTail }: { timelineTail?: number } = {}): string {
  const lines = [`incident ${incident.incidentId} on ${incident.target}: ${incident.status}`];
  if (incident.waitingFor) lines.push(`waiting for: ${incident.waitingFor}`);
  if (incident.ladder.length) lines.push(`ladder: ${incident.ladder.join(' → ')} → people`);
  if (runbook) {
    lines.push(`runbook ${runbook.runbook}${runbook.dryRun ? ' (dry-run)' : ''}: ${runbook.status}`);
    lines.push(`  progress: ${progress(incident, runbook)}`);
    if (runbook.currentStep) lines.push(`  current step: ${runbook.currentStep}`);
    if (runbook.waitingFor) lines.push(`  waiting for: ${runbook.waitingFor}`);
    if (runbook.alertResolved) {
      const standsDown = runbook.status === 'running' && !runbook.dryRun ? ': a destructive step will stand down' : '';
      lines.push(`  alert resolved (${runbook.alertResolved})${standsDown}`);
    }
    if (runbook.approval) {
      const a = runbook.approval;
      lines.push(`  approval: ${a.approvedBy.length}/${a.quorum} from [${a.approvers.join(', ')}] until ${a.deadline}`);
      lines.push(`    why: ${a.reason}`);
      lines.push(`    mend approve ${incident.incidentId}   ·   mend reject ${incident.incidentId}   (as who \`mend login\` signed in)`);
      if (a.liftable) lines.push(`    or lift the block: mend override ${incident.target} --comment WHY`);
    }
    for (const s of runbook.steps) lines.push(`  - [${s.status}] ${s.name}${s.error ? `: ${s.error}` : ''}`);
    for (const a of runbook.approvals) {
      lines.push(`  ${a.decision} by ${a.by} at ${a.at}: ${a.accepted ? 'accepted' : `refused (${a.reason})`}`);
    }
  }
  const record = incident.record;
  if (record?.mttrSeconds !== undefined) lines.push(`MTTR ${record.mttrSeconds.toFixed(1)} s`);
  const shown = timelineTail ? incident.timeline.slice(-timelineTail) : incident.timeline;
  lines.push(shown.length < incident.timeline.length ? `timeline (last ${shown.length} of ${incident.timeline.length}):` : 'timeline:');
  for (const t of shown) lines.push(`  ${timelineLine(t)}`);
  return lines.join('\n');
}

/** Where the runbook stands: its rung of the ladder and its steps. */
function progress(incident: IncidentView, runbook: RunbookView): string {
  const rung = incident.ladder.indexOf(runbook.runbook) + 1;
  const acted = runbook.steps.filter((s) => s.status !== 'planned').length;
  const checked = runbook.verifications.filter((v) => v.ok).length;
  return [
    rung ? `rung ${rung} of ${incident.ladder.length}` : undefined,
    `${acted} step${acted === 1 ? '' : 's'} taken`,
    `${checked} of ${runbook.verifications.length} verification${runbook.verifications.length === 1 ? '' : 's'} passed`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** The last line of `mend status --watch`: how the incident ended, with its MTTR and phases. */
export function renderOutcome(id: string, outcome: { status: string; reason?: string; mttrSeconds?: number; phases?: RecoveryPhases }): string {
  const line = `incident ${id} ended: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  const { mttrSeconds, phases } = outcome;
  if (mttrSeconds === undefined || !phases) return `${line}; no MTTR (no verified recovery)`;
  const s = (n: number) => `${n.toFixed(1)} s`;
  return `${line}; MTTR ${s(mttrSeconds)} (detection ${s(phases.detection)}, diagnosis ${s(phases.diagnosis)}, fix ${s(phases.fix)}, verification ${s(phases.verification)})`;
}

export function renderGuard(v: GuardView): string {
  const lines = [`guard of ${v.target}: ${v.holder ? `held by ${v.holder.incidentId} (${v.holder.runbook}) since ${v.holder.since}` : 'free'}`];
  if (v.waiting.length) lines.push(`queued: ${v.waiting.join(', ')}`);
  lines.push(`attempts in the window: ${v.attempts.length}`);
  if (v.cooldownUntil) lines.push(`cooling down until ${v.cooldownUntil}`);
  for (const b of v.blocks) lines.push(`blocked: ${b.runbook} until ${b.until} (${b.reason})`);
  lines.push('history:');
  for (const h of v.history.slice(-10)) lines.push(`  ${timelineLine(h)}`);
  return lines.join('\n');
}

/** One timeline entry on a line: when, what, and its detail. */
export const timelineLine = (t: TimelineEntry): string => `${t.at}  ${t.event}${t.detail ? `: ${t.detail}` : ''}`;
