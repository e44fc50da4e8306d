// POST /alerts/zabbix: what mend's Zabbix media type (deploy/zabbix/media_mend.yaml) sends, and nothing else.
import { z } from 'zod';
import type { Severity } from '../../common/types';
import type { AlertSource } from '../alert';
import { isoTime } from '../alert';
import { rfc3339 } from './alertmanager-shape';

const schema = z
  .object({
    eventId: z.string().regex(/^\d+$/, 'expected the numeric {EVENT.ID}'),
    status: z.enum(['problem', 'recovery']),
    name: z.string().min(1),
    /** {EVENT.NSEVERITY}: 0 not classified, 1 information, 2 warning, 3 average, 4 high, 5 disaster. */
    severity: z.number().int().min(0).max(5),
    host: z.string().min(1),
    hostName: z.string().optional(),
    triggerId: z.string().optional(),
    startsAt: rfc3339,
    endsAt: rfc3339.optional(),
    tags: z.array(z.object({ tag: z.string().min(1), value: z.string() }).strict()).default([]),
    message: z.string().optional(),
    url: z.string().optional(),
  })
  .strict();

const severityOf: Severity[] = ['info', 'info', 'warning', 'warning', 'critical', 'critical'];

export const zabbix: AlertSource<z.infer<typeof schema>> = {
  name: 'zabbix',
  parse: (body) => schema.safeParse(body),
  alerts(p) {
    const labels: Record<string, string> = {};
    for (const { tag, value } of p.tags) labels[tag] = Object.hasOwn(labels, tag) ? `${labels[tag]},${value}` : value;
    Object.assign(labels, {
      alertname: p.name,
      host: p.host,
      severity: severityOf[p.severity],
      zabbix_severity: String(p.severity),
      ...(p.triggerId ? { trigger_id: p.triggerId } : {}),
    });
    const annotations: Record<string, string> = { summary: p.name };
    if (p.message) annotations.description = p.message;
    if (p.url) annotations.url = p.url;
    return [
      {
        source: 'zabbix',
        status: p.status === 'problem' ? 'firing' : 'resolved',
        labels,
        annotations,
        startsAt: isoTime(p.startsAt)!,
        endsAt: p.status === 'recovery' ? isoTime(p.endsAt) : undefined,
        fingerprint: p.eventId,
        group: `problem ${p.eventId}`,
      },
    ];
  },
};
