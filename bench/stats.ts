// Percentiles and a one-line summary for bench output.
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(values: number[], unit = 'ms'): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (n: number) => `${n.toFixed(1)} ${unit}`;
  return `n=${sorted.length} p50=${f(percentile(sorted, 50))} p99=${f(percentile(sorted, 99))} max=${f(sorted[sorted.length - 1])}`;
}

/** A history event's time in epoch milliseconds. */
export const eventMs = (t: { seconds?: unknown; nanos?: number | null }): number => Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
