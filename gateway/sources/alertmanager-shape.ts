// The alert list Alertmanager's webhook (version 4) sends; Grafana's contact point sends the same shape, plus extras.
import { z } from 'zod';
import type { SourceName } from '../config-schema';
import { isoTime, type ReceivedAlert } from '../alert';

export const labelSet = z.record(z.string(), z.string());
export const rfc3339 = z.iso.datetime({ offset: true });

export const alertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet,
  startsAt: rfc3339,
  endsAt: rfc3339,
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).max(200),
});

export const alertmanagerGroup = {
  receiver: z.string(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertmanagerAlert),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).optional(),
};

type GroupPayload = { groupKey: string; alerts: z.infer<typeof alertmanagerAlert>[] };

export function groupAlerts(source: SourceName, payload: GroupPayload): ReceivedAlert[] {
  return payload.alerts.map((a) => ({
    source,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: isoTime(a.startsAt)!,
    endsAt: a.status === 'resolved' ? isoTime(a.endsAt) : undefined,
    fingerprint: a.fingerprint,
    group: payload.groupKey,
  }));
}
