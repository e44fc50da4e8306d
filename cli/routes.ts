// `mend routes`: the gateway's routes in the order it tries them (mend.yaml's, then each pack's), and
// `mend routes test`: what each alert of a payload would open, or why nothing, as `amtool config routes test` does.
import { gatewayRoutes, routerFor } from '../gateway/routes';
import { sourceNames, type SourceName } from '../gateway/config-schema';
import { alertSources } from '../gateway/sources';
import { formatIssues } from '../common/zod-issues';
import type { Session } from './session';
import { table } from './render';
import { UsageError } from '../client/usage-error';

export function listRoutes({ config, out }: Session, json: boolean): void {
  const routes = gatewayRoutes(config).map((r, i) => ({
    name: r.name ?? `#${i}`,
    sources: r.sources?.join(',') ?? 'all',
    matchers: r.matchers.join(' '),
    runbook: r.runbook,
  }));
  if (json) out(JSON.stringify(routes, null, 2));
  else out(routes.length ? table(routes) : 'no routes: alerts are answered 202 and counted as unrouted');
}

/** Prints the outcome for each alert; 0 when every alert is routed, 1 when one is not. */
export function testRoutes({ config, out }: Session, source: string, payload: string, json: boolean): number {
  if (!(sourceNames as readonly string[]).includes(source)) throw new UsageError(`unknown source "${source}" (one of ${sourceNames.join(', ')})`);
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch (err) {
    throw new UsageError(`the payload is not JSON: ${(err as Error).message}`);
  }
  const { source: reader } = alertSources[source as SourceName];
  const parsed = reader.parse(body);
  if (!parsed.success)
    throw new UsageError(
      `not a payload from ${source}:\n${formatIssues(parsed.error)
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
  const router = routerFor(config);
  const results = reader.alerts(parsed.data, new Date()).map((alert) => {
    const { incidents, unrouted } = router.plan([alert]);
    return {
      alert: alert.labels.alertname ?? '(unnamed alert)',
      labels: alert.labels,
      status: alert.status,
      incidents: incidents.map(({ route, runbook, params, target, severity, dryRun }) => ({ route, runbook, params, target, severity, dryRun })),
      unrouted: unrouted[0]?.reason,
    };
  });
  if (json) out(JSON.stringify(results, null, 2));
  else {
    for (const r of results) {
      const labels = Object.entries(r.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ');
      out(`${r.alert} (${r.status}) {${labels}}`);
      for (const i of r.incidents) {
        out(`  → route ${i.route}: ${i.runbook} ${JSON.stringify(i.params)} on ${i.target}, ${i.severity}${i.dryRun ? ', dry-run' : ''}`);
      }
      if (!r.incidents.length) out(`  → not routed: ${r.unrouted}`);
    }
  }
  return results.every((r) => r.incidents.length) ? 0 : 1;
}
