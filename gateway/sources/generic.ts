// POST /alerts: mend's own JSON alert, for anything that can send JSON. Documented in docs/alerts.md.
import { z } from 'zod';
import { isoTime, labelsFingerprint, type AlertSource, type ReceivedAlert } from '../alert';
import { labelSet, rfc3339 } from './alertmanager-shape';

const alert = z
  .object({
    status: z.enum(['firing', 'resolved']).default('firing'),
    labels: labelSet.refine((l) => Object.hasOwn(l, 'alertname') && l.alertname !== '', 'needs a non-empty "alertname" label'),
    annotations: labelSet.default({}),
    startsAt: rfc3339.optional(),
    endsAt: rfc3339.optional(),
    fingerprint: z.string().min(1).max(200).optional(),
    group: z.string().max(1000).optional(),
    generatorURL: z.string().optional(),
  })
  .strict();

type GenericAlert = z.infer<typeof alert>;
const batch = z.object({ alerts: z.array(alert).min(1) }).strict();
const single = alert.transform((a) => ({ alerts: [a] }));

export const generic: AlertSource<{ alerts: GenericAlert[] }> = {
  name: 'generic',
  /** One alert object, or {"alerts": [...]}. */
  parse: (body) => (typeof body === 'object' && body !== null && Object.hasOwn(body, 'alerts') ? batch : single).safeParse(body),
  alerts: (payload, receivedAt) =>
    payload.alerts.map(
      (a): ReceivedAlert => ({
        source: 'generic',
        status: a.status,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: isoTime(a.startsAt) ?? receivedAt.toISOString(),
        endsAt: a.status === 'resolved' ? (isoTime(a.endsAt) ?? receivedAt.toISOString()) : undefined,
        fingerprint: a.fingerprint ?? labelsFingerprint(a.labels),
        group: a.group ?? '',
      }),
    ),
};
