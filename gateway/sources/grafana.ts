// POST /alerts/grafana: Grafana unified alerting's webhook contact point (payload version "1").
import { z } from 'zod';
import type { AlertSource } from '../alert';
import { alertmanagerAlert, alertmanagerGroup, groupAlerts } from './alertmanager-shape';

const grafanaAlert = alertmanagerAlert.extend({
  values: z.record(z.string(), z.number()).nullable().optional(),
  valueString: z.string().optional(),
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  imageURL: z.string().optional(),
  ruleUID: z.string().optional(),
  orgId: z.number().int().optional(),
});

const schema = z.object({
  version: z.literal('1'),
  ...alertmanagerGroup,
  alerts: z.array(grafanaAlert),
  orgId: z.number().int().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  state: z.string().optional(),
  appVersion: z.string().optional(),
});

export const grafana: AlertSource<z.infer<typeof schema>> = {
  name: 'grafana',
  parse: (body) => schema.safeParse(body),
  alerts: (payload) => groupAlerts('grafana', payload),
};
