// One drill as an SVG chart: the workload's success rate per second, with the fault, the alert, detection, the fix
// and the verification marked.
import type { WorkloadOutcome } from '../sdk/drills';
import { type DrillResult, drillTimes } from './result';

const width = 760;
const height = 280;
const pad = { left: 48, right: 16, top: 28, bottom: 56 };
const marks: { key: keyof ReturnType<typeof drillTimes> | 'fault'; label: string; color: string }[] = [
  { key: 'fault', label: 'fault', color: '#d62728' },
  { key: 'fired', label: 'alert fired', color: '#ff7f0e' },
  { key: 'detected', label: 'detected', color: '#9467bd' },
  { key: 'fixed', label: 'fixed', color: '#1f77b4' },
  { key: 'verified', label: 'verified', color: '#2ca02c' },
];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function drillChart(d: DrillResult, outcomes: WorkloadOutcome[]): string {
  const start = Date.parse(d.injectedAt ?? d.startedAt) - (d.plan?.baselineMs ?? 0);
  const end = Math.max(Date.parse(d.endedAt), start + 1000);
  const x = (ms: number) => pad.left + ((ms - start) / (end - start)) * (width - pad.left - pad.right);
  const y = (share: number) => pad.top + (1 - share) * (height - pad.top - pad.bottom);
  const seconds = new Map<number, { ok: number; all: number }>();
  for (const o of outcomes) {
    if (o.at < start || o.at > end) continue;
    const s = Math.floor(o.at / 1000);
    const bucket = seconds.get(s) ?? { ok: 0, all: 0 };
    bucket.all++;
    if (o.status >= 200 && o.status < 300) bucket.ok++;
    seconds.set(s, bucket);
  }
  const points = [...seconds.entries()].sort(([a], [b]) => a - b).map(([s, b]) => `${x(s * 1000 + 500).toFixed(1)},${y(b.ok / b.all).toFixed(1)}`);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${pad.left}" y="16" font-size="13">${escapeXml(`${d.scenario} on ${d.plan?.target ?? '?'}: ${d.outcome}`)}</text>`,
  ];
  for (const share of [0, 0.5, 1]) {
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(share)}" y2="${y(share)}" stroke="#ddd"/>`);
    parts.push(`<text x="${pad.left - 6}" y="${y(share) + 4}" text-anchor="end">${share * 100}%</text>`);
  }
  const total = (end - start) / 1000;
  const step = total > 120 ? 30 : total > 40 ? 10 : 5;
  for (let t = 0; t <= total; t += step) {
    const at = start + t * 1000;
    parts.push(`<text x="${x(at)}" y="${height - pad.bottom + 14}" text-anchor="middle">${Math.round((at - Date.parse(d.injectedAt ?? d.startedAt)) / 1000)}s</text>`);
  }
  parts.push(`<text x="${width / 2}" y="${height - pad.bottom + 28}" text-anchor="middle">seconds from the fault · requests that succeeded, per second</text>`);
  if (points.length) parts.push(`<polyline fill="none" stroke="#333" stroke-width="1.5" points="${points.join(' ')}"/>`);
  const times = drillTimes(d);
  marks.forEach((m, i) => {
    const seconds = m.key === 'fault' ? (d.injectedAt ? 0 : undefined) : times[m.key];
    if (seconds === undefined || !d.injectedAt) return;
    const at = x(Date.parse(d.injectedAt) + seconds * 1000);
    parts.push(`<line x1="${at}" x2="${at}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="${m.color}" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${pad.left + i * 140}" y="${height - 8}" fill="${m.color}">${escapeXml(`${m.label} ${seconds}s`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
