// Durations in config and runbook params: milliseconds or strings like '30s', '5m', '1h'.
import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from './types';

/** Seconds from one time to a later one (ISO text or epoch ms); 0 when `to` is not later. */
export const secondsBetween = (from: string | number, to: string | number): number => Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);

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
