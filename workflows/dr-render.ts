// The DR run in Markdown: progress (the UI's current details, `mend status`) and the final report.
import { secondsBetween } from '../common/duration';
import { tableCell as cell } from '../common/markdown';
import type { DrItemState, DrView } from './dr-definitions';

const phaseTitles: Record<string, string> = {
  confirm: '1. Confirm the fault, decide, notify',
  services: '2. Restore services',
  data: '3. Restore data',
  validate: '4. Validate',
};

const marks: Record<DrItemState['status'], string> = {
  waiting: '[ ]',
  running: '[~]',
  'awaiting-confirmation': '[?]',
  failed: '[!]',
  done: '[x]',
};

export function renderDrProgress(v: DrView): string {
  const done = v.items.filter((i) => i.status === 'done').length;
  const lines = [`**${v.name}** (DR run): ${v.status}, ${done}/${v.items.length} items done`, rtoLine(v), rpoLine(v), ''];
  for (const p of v.phases) {
    lines.push(`- ${phaseTitles[p.phase]}: ${p.done}/${p.total}`);
    for (const i of v.items.filter((x) => x.phase === p.phase)) lines.push(`  - ${marks[i.status]} \`${i.id}\` ${i.title}`);
  }
  const open = v.items.filter((i) => i.status === 'awaiting-confirmation' || i.status === 'failed');
  if (open.length) {
    lines.push(
      '',
      `Waiting for a confirmation (\`mend dr confirm\`, or signal \`confirm\` {"item": "<id>", "note": "..."} signed in to the UI; approvers: ${v.approvers.join(', ') || 'none'}):`,
    );
    for (const i of open) lines.push(`- \`${i.id}\` ${i.title}${i.status === 'failed' ? ` (failed: ${i.error}; confirm when done by hand)` : ''}`);
  }
  const running = v.items.filter((i) => i.status === 'running');
  // A runbook item is a child incident: name it, since that is where its approvals are given.
  if (running.length) lines.push('', `Running: ${running.map((i) => `\`${i.id}\`${i.childId ? ` (incident \`${i.childId}\`)` : ''}`).join(', ')}`);
  return lines.join('\n');
}

export function renderDrReport(v: DrView): string {
  const lines = [`# ${v.name}: DR report`, '', `Run \`${v.runId}\`, started ${v.startedAt}${v.endedAt ? `, ended ${v.endedAt}` : ' (still running)'}.`, ''];
  lines.push(`- ${rtoLine(v)}`, `- ${rpoLine(v)}`);
  for (const p of v.phases) {
    lines.push('', `## ${phaseTitles[p.phase]} (${p.done}/${p.total})`, '', '| item | how | status | started | ended | by / result |', '|---|---|---|---|---|---|');
    for (const i of v.items.filter((x) => x.phase === p.phase)) {
      lines.push(`| \`${i.id}\` ${cell(i.title)} | ${i.kind} | ${i.status} | ${i.startedAt ?? ''} | ${i.endedAt ?? ''} | ${cell(outcomeOf(i))} |`);
    }
  }
  const refused = v.confirmations.filter((c) => !c.accepted);
  if (refused.length) {
    lines.push('', '## Refused confirmations', '');
    for (const c of refused) lines.push(`- ${c.at} ${c.by || '(missing)'} on \`${c.item}\`: ${c.reason}`);
  }
  lines.push('', '## Timeline', '');
  for (const t of v.timeline) lines.push(`- ${t.at} ${t.event}${t.detail ? `: ${t.detail}` : ''}`);
  return `${lines.join('\n')}\n`;
}

function outcomeOf(i: DrItemState): string {
  const parts: string[] = [];
  if (i.confirmedBy) parts.push(`confirmed by ${i.confirmedBy} at ${i.confirmedAt}${i.note ? `: ${i.note}` : ''}`);
  if (i.result) parts.push(i.result);
  if (i.error) parts.push(`error: ${i.error}`);
  if (i.childId) parts.push(`incident ${i.childId}`);
  return parts.join('; ');
}

function rtoLine(v: DrView): string {
  const { target, deadline, warnAt, atRisk, met } = v.rto;
  const verdict = met === undefined ? (atRisk ? 'at risk' : 'on track') : met ? 'met' : 'missed';
  return `RTO ${target}: ${verdict} (warning at ${warnAt}, deadline ${deadline}${v.endedAt ? `, took ${Math.round(secondsBetween(v.startedAt, v.endedAt))}s` : ''})`;
}

function rpoLine(v: DrView): string {
  if (!v.rpo) return 'RPO: not tracked (no `rpo.cluster` in the checklist)';
  return `RPO (${v.rpo.cluster}): ${v.rpo.seconds === undefined ? 'unknown' : `${v.rpo.seconds}s`}, ${v.rpo.detail}`;
}
