// An alert as every source is read into: labels, annotations, its state and times, its identity and its group.
import type { z } from 'zod';
import type { SourceName } from './config-schema';
import { shortHash } from '../common/short-hash';

export interface ReceivedAlert {
  source: SourceName;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO time the alert started: the fault start for MTTR. */
  startsAt: string;
  endsAt?: string;
  /** Identity of the alert across notifications. */
  fingerprint: string;
  /** The source's grouping (Alertmanager's groupKey, a Zabbix problem, ...); part of the incident key. */
  group: string;
}

export interface AlertSource<T = unknown> {
  name: SourceName;
  /** Validates the payload exactly as the product sends it. */
  parse(body: unknown): z.ZodSafeParseResult<T>;
  alerts(payload: T, receivedAt: Date): ReceivedAlert[];
}

/** ISO time, or undefined for absent and Go's zero time (Alertmanager's endsAt while firing). */
export function isoTime(text: string | undefined): string | undefined {
  if (!text || text.startsWith('0001-01-01')) return undefined;
  return new Date(text).toISOString();
}

/** A stable id for a label set, for sources that do not send one. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
  return shortHash(canonical);
}
