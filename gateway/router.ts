// Alerts → incidents: the first route whose matchers all match picks the runbook (later ones too with `continue`),
// its params are rendered from the alert, and alerts with the same incident key are recorded together.
import { describeParams, paramFromText, type ParamInfo } from '../common/runbook-params';
import { severities, type AlertNotice, type Severity } from '../common/types';
import { formatIssues } from '../common/zod-issues';
import { findRunbook } from '../workflows/catalog';
import type { RunbookDefinition } from '../workflows/kit/define';
import type { ReceivedAlert } from './alert';
import type { RouteConfig } from './config-schema';
import { parseMatcher, type Matcher } from './matchers';
import { LookupFailed, MissingValue, parseTemplate, type Template } from './template';
import { shortHash } from '../common/short-hash';

/** The alerts of one incident key and the incident they open or update. */
export interface IncidentPlan {
  incidentId: string;
  key: string;
  route: string;
  runbook: string;
  params: Record<string, unknown>;
  target: string;
  severity: Severity;
  dryRun: boolean;
  summary?: string;
  /** The earliest start among the firing alerts: the fault start. */
  faultStartedAt?: string;
  notices: AlertNotice[];
}

export interface Unrouted {
  alert: string;
  fingerprint: string;
  reason: string;
}

interface CompiledRoute {
  name: string;
  config: RouteConfig;
  runbook: RunbookDefinition;
  matchers: Matcher[];
  params: { name: string; info?: ParamInfo; value: unknown; template?: Template }[];
}

const maxParamLength = 1024;
const maxTextLength = 1024;

/** A pack's lookup by its name in templates (`mysql.cluster`), bound to the pack's config section. */
export type Lookups = ReadonlyMap<string, (value: string) => string>;

export class Router {
  private readonly routes: CompiledRoute[];

  /** Throws naming the route and param that use a lookup no pack has. */
  constructor(
    routes: RouteConfig[],
    private readonly lookups: Lookups = new Map(),
  ) {
    this.routes = routes.map((config, i) => {
      const runbook = findRunbook(config.runbook)!;
      const infos = describeParams(runbook);
      const name = config.name ?? `#${i} (${config.runbook})`;
      return {
        name,
        config,
        runbook,
        matchers: config.matchers.map(parseMatcher),
        params: Object.entries(config.params).map(([param, value]) => {
          const template = typeof value === 'string' ? parseTemplate(value) : undefined;
          const unknown = template?.lookups.find((l) => !lookups.has(l));
          if (unknown) throw new Error(`route ${name}: param "${param}" uses ${unknown}, which no pack provides`);
          return { name: param, info: infos.find((p) => p.name === param), value, template: template?.templated ? template : undefined };
        }),
      };
    });
  }

  plan(alerts: ReceivedAlert[]): { incidents: IncidentPlan[]; unrouted: Unrouted[] } {
    const incidents = new Map<string, IncidentPlan>();
    const unrouted: Unrouted[] = [];
    for (const alert of alerts) {
      const problems: string[] = [];
      let routed = false;
      for (const route of this.routes) {
        if (!this.matches(route, alert)) continue;
        const outcome = this.incidentFor(route, alert);
        if (typeof outcome === 'string') problems.push(`route ${route.name}: ${outcome}`);
        else {
          merge(incidents, outcome, alert);
          routed = true;
        }
        if (!route.config.continue) break;
      }
      if (!routed) {
        const reason = problems.length ? problems.join('; ') : 'no route matches';
        unrouted.push({ alert: clip(alertName(alert)), fingerprint: clip(alert.fingerprint), reason });
      }
    }
    return { incidents: [...incidents.values()], unrouted };
  }

  private matches(route: CompiledRoute, alert: ReceivedAlert): boolean {
    const { sources } = route.config;
    if (sources && !sources.includes(alert.source)) return false;
    return route.matchers.every((m) => m(alert.labels));
  }

  /** The incident a route opens for the alert, or why it cannot. */
  private incidentFor(route: CompiledRoute, alert: ReceivedAlert): Omit<IncidentPlan, 'notices'> | string {
    const lookup = (name: string, value: string) => this.lookups.get(name)!(value);
    const ctx = { labels: alert.labels, annotations: alert.annotations, group: alert.group, source: alert.source, lookup };
    const params: Record<string, unknown> = {};
    for (const p of route.params) {
      if (!p.template) {
        params[p.name] = p.value;
        continue;
      }
      let text: string;
      try {
        text = p.template.render(ctx);
      } catch (err) {
        if (err instanceof MissingValue) return `param "${p.name}" needs ${err.ref}`;
        if (err instanceof LookupFailed) return `param "${p.name}": ${err.message}`;
        throw err;
      }
      if (text.length > maxParamLength) return `param "${p.name}" would be ${text.length} characters (at most ${maxParamLength})`;
      params[p.name] = paramFromText(p.info, text);
    }
    const parsed = route.runbook.params.safeParse(params);
    if (!parsed.success) return `invalid params for ${route.runbook.name}: ${formatIssues(parsed.error).join('; ')}`;
    const target = route.runbook.target(parsed.data);
    const group = route.config.groupBy ? route.config.groupBy.map((l) => `${l}=${alert.labels[l] ?? ''}`).join(',') : alert.group;
    const key = [alert.source, group, target, route.config.dryRun ? 'dry-run' : ''].join('\n');
    return {
      incidentId: incidentId(target, key),
      key: key.trim().replace(/\n/g, ' | '),
      route: route.name,
      runbook: route.runbook.name,
      params,
      target,
      severity: route.config.severity ?? severityLabel(alert.labels.severity),
      dryRun: route.config.dryRun,
    };
  }
}

function merge(incidents: Map<string, IncidentPlan>, plan: Omit<IncidentPlan, 'notices'>, alert: ReceivedAlert): void {
  const existing = incidents.get(plan.incidentId);
  const incident = existing ?? { ...plan, notices: [] };
  if (!existing) incidents.set(plan.incidentId, incident);
  if (severities.indexOf(plan.severity) > severities.indexOf(incident.severity)) incident.severity = plan.severity;
  const n = notice(alert);
  incident.notices.push(n);
  if (n.status === 'firing') {
    if (!incident.faultStartedAt || n.startsAt < incident.faultStartedAt) incident.faultStartedAt = n.startsAt;
    incident.summary ??= n.summary ?? n.name;
  }
}

function notice(alert: ReceivedAlert): AlertNotice {
  const summary = alert.annotations.summary ?? alert.annotations.description;
  return {
    source: alert.source,
    fingerprint: clip(alert.fingerprint),
    name: clip(alertName(alert)),
    status: alert.status,
    startsAt: alert.startsAt,
    ...(alert.endsAt ? { endsAt: alert.endsAt } : {}),
    ...(summary ? { summary: clip(summary) } : {}),
  };
}

const alertName = (alert: ReceivedAlert): string => alert.labels.alertname || '(unnamed alert)';
const clip = (text: string): string => (text.length > maxTextLength ? `${text.slice(0, maxTextLength - 1)}…` : text);

function severityLabel(value: string | undefined): Severity {
  return (severities as readonly string[]).includes(value ?? '') ? (value as Severity) : 'warning';
}

/** A readable, stable workflow id: the target, then a hash of the whole key (source, group, target). */
export function incidentId(target: string, key: string): string {
  return `alert:${target.replace(/[^A-Za-z0-9._-]/g, '.').slice(0, 120)}:${shortHash(key)}`;
}
