// POST /alerts/alertmanager: Prometheus Alertmanager's webhook_config, payload version 4.
import { z } from 'zod';
import type { AlertSource } from '../alert';
import { alertmanagerGroup, groupAlerts, labelSet } from './alertmanager-shape';

const schema = z.object({
  version: z.literal('4'),
  ...alertmanagerGroup,
  notification_reason: z.string().optional(),
  routeLabels: labelSet.optional(),
});

export const alertmanager: AlertSource<z.infer<typeof schema>> = {
  name: 'alertmanager',
  parse: (body) => schema.safeParse(body),
  alerts: (payload) => groupAlerts('alertmanager', payload),
};
