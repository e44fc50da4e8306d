// The gateway's part of the config: where it listens, how each source authenticates, and the routes from alerts
// to runbooks. Routes are checked against the runbooks they name, so a bad route stops start-up with its path.
import { z } from 'zod';
import { describeParams } from '../common/runbook-params';
import { byteSizeSchema, durationSchema as duration, envNameSchema as envName } from '../common/schemas';
import { severities } from '../common/types';
import { findRunbook } from '../workflows/catalog';
import { parseMatcher } from './matchers';
import { parseTemplate } from './template';

export const sourceNames = ['alertmanager', 'grafana', 'zabbix', 'generic'] as const;
export type SourceName = (typeof sourceNames)[number];

const hmacSchema = (header: string, timestampHeader?: string) =>
  z
    .object({
      secretEnv: envName.describe('env var holding the shared HMAC-SHA256 secret'),
      header: z.string().min(1).default(header),
      /** When set, the signed text is "<unix seconds>:<body>" and old timestamps are refused. */
      timestampHeader: timestampHeader ? z.string().min(1).default(timestampHeader) : z.string().min(1).optional(),
      maxSkew: duration.default('5m'),
    })
    .strict();

const tokenEnv = envName.optional().describe('env var holding the bearer token');
const unauthenticated = 'webhooks are always authenticated: give tokenEnv';

const bearerSource = z
  .object({ tokenEnv })
  .strict()
  .refine((s) => s.tokenEnv, { message: unauthenticated });

const signedSource = (hmac: ReturnType<typeof hmacSchema>) =>
  z
    .object({ tokenEnv, hmac: hmac.optional() })
    .strict()
    .refine((s) => s.tokenEnv || s.hmac, { message: `${unauthenticated}, hmac or both` });

export const routeSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** Only alerts from these sources; all when absent. */
    sources: z.array(z.enum(sourceNames)).min(1).optional(),
    /** Alertmanager-style label matchers, all of which must match. */
    matchers: z.array(z.string()).default([]),
    runbook: z.string().min(1),
    /** Runbook params; strings may use {{ labels.x }}, {{ annotations.x }}, {{ group }} and {{ source }}. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Fixed severity; otherwise the alert's `severity` label when it is info, warning or critical; else warning. */
    severity: z.enum(severities).optional(),
    /** Labels whose values form the incident's group, instead of the source's own grouping. */
    groupBy: z.array(z.string().min(1)).min(1).optional(),
    /** Plan without acting: a new route can run in shadow mode first. */
    dryRun: z.boolean().default(false),
    /** Keep matching later routes after this one. */
    continue: z.boolean().default(false),
  })
  .strict()
  .superRefine((route, ctx) => {
    route.matchers.forEach((text, i) => {
      try {
        parseMatcher(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['matchers', i], message: (err as Error).message });
      }
    });
    const runbook = findRunbook(route.runbook);
    if (!runbook) {
      ctx.addIssue({ code: 'custom', path: ['runbook'], message: `no runbook named "${route.runbook}"` });
      return;
    }
    const params = describeParams(runbook);
    for (const [name, value] of Object.entries(route.params)) {
      if (!params.some((p) => p.name === name)) {
        const takes = params.map((p) => p.name).join(', ');
        ctx.addIssue({ code: 'custom', path: ['params', name], message: `${route.runbook} has no param "${name}" (it takes: ${takes})` });
      } else if (typeof value === 'string') {
        try {
          parseTemplate(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['params', name], message: (err as Error).message });
        }
      }
    }
    for (const p of params) {
      if (p.required && !(p.name in route.params)) {
        ctx.addIssue({ code: 'custom', path: ['params'], message: `${route.runbook} needs param "${p.name}"` });
      }
    }
  });

export const gatewaySchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9470),
    bodyLimit: byteSizeSchema.default(1024 * 1024),
    /** How long a delivery may wait for Temporal before the gateway answers 503 (the sender retries). */
    temporalTimeout: duration.default('5s'),
    /** How long an incident stays open after remediation, waiting for its alert to resolve. */
    holdOpen: duration.default('4h'),
    sources: z
      .object({
        alertmanager: bearerSource.optional(),
        grafana: signedSource(hmacSchema('X-Grafana-Alerting-Signature')).optional(),
        zabbix: bearerSource.optional(),
        generic: signedSource(hmacSchema('X-Mend-Signature', 'X-Mend-Timestamp')).optional(),
      })
      .strict()
      .default({}),
    routes: z.array(routeSchema).default([]),
    /** Also try every pack's routes, after these. */
    packRoutes: z.boolean().default(true),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type RouteConfig = GatewayConfig['routes'][number];
export type SourceConfig = { tokenEnv?: string; hmac?: z.infer<ReturnType<typeof hmacSchema>> };
