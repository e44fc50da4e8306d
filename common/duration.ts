// Durations in config and runbook params: milliseconds or strings like '30s', '5m', '1h'.
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from './types';

export function toMs(d: Duration): number {
  return msToNumber(d);
}

export function isDuration(d: unknown): d is Duration {
  if (typeof d === 'number') return Number.isFinite(d) && d >= 0;
  if (typeof d !== 'string') return false;
  try {
    return msToNumber(d as Duration) >= 0;
  } catch {
    return false;
  }
}
