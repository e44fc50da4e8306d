// The gateway's HTTP API: one endpoint per alert source, health, readiness and metrics.
// Order of checks: bearer token (401), content type (415), size (413), signature (401), JSON and schema (400).
// Only a request that passed them all reaches Temporal; 202 means every alert in it was recorded.
import type { Client } from '@temporalio/client';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Log } from '../common/json-log';
import type { MendConfig } from '../config/schema';
import type { AlertSource } from './alert';
import { approvalKey, sourceAuth, type SourceAuth } from './auth';
import { registerDecisions } from './decisions';
import { oidcVerifier } from './oidc';
import { registerSlack } from './slack';
import type { SourceName } from './config-schema';
import { parseJsonBody } from './json-body';
import { GatewayMetrics } from './metrics';
import { IncidentRecorder, TemporalUnavailable } from './recorder';
import { routerFor } from './routes';
import { alertSources } from './sources';

const endpoints: [string, AlertSource][] = Object.values(alertSources).map(({ path, source }) => [path, source]);

const maxIssuesShown = 20;

export interface GatewayOptions {
  config: MendConfig;
  client: Client;
  log: Log;
  env?: NodeJS.ProcessEnv;
  metrics?: GatewayMetrics;
}

/** Builds the gateway; throws at once on a missing secret. Call `listen` on the result. */
export function createGateway({ config, client, log, env = process.env, metrics = new GatewayMetrics() }: GatewayOptions): FastifyInstance {
  const router = routerFor(config);
  const recorder = new IncidentRecorder(client, config);
  const auths = new Map<SourceName, SourceAuth>();
  for (const [name, source] of Object.entries(config.gateway.sources)) {
    if (source) auths.set(name as SourceName, sourceAuth(name as SourceName, source, env));
  }

  const app = fastify({ bodyLimit: config.gateway.bodyLimit, logger: false, return503OnClosing: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const reject = (reply: FastifyReply, code: number, body: Record<string, unknown>, source?: string) => {
    if (source) log('WARN', 'alert delivery refused', { source, status: code, error: body.error });
    return reply.code(code).send(body);
  };

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) log('ERROR', 'gateway error', { url: req.url, error: err.message, stack: err.stack });
    return reject(reply, code, { error: code === 500 ? 'internal error' : err.message }, sourceOf(req));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no endpoint ${req.method} ${req.url.split('?')[0]}` }));
  app.addHook('onResponse', async (req, reply) => {
    const source = sourceOf(req);
    if (!source) return;
    metrics.requests.inc({ source, code: reply.statusCode });
    metrics.duration.observe({ source }, reply.elapsedTime / 1000);
  });

  for (const [url, source] of endpoints) {
    const auth = auths.get(source.name);
    app.post(url, {
      config: { source: source.name },
      onRequest: async (req, reply) => {
        if (!auth) return reject(reply, 404, { error: `source ${source.name} is not enabled: configure gateway.sources.${source.name}` });
        const problem = auth.checkHeaders(req.headers);
        if (problem) return reject(reply, 401, { error: problem }, source.name);
      },
      handler: async (req, reply) => {
        const receivedAt = new Date();
        const body = req.body;
        if (!Buffer.isBuffer(body)) return reject(reply, 415, { error: 'expected a JSON body with Content-Type: application/json' }, source.name);
        const forged = auth!.checkBody(req.headers, body, receivedAt.getTime());
        if (forged) return reject(reply, 401, { error: forged }, source.name);
        let json: unknown;
        try {
          json = parseJsonBody(body);
        } catch (err) {
          return reject(reply, 400, { error: `body is not valid JSON: ${(err as Error).message}` }, source.name);
        }
        const parsed = source.parse(json);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
          const shown = issues.slice(0, maxIssuesShown);
          return reject(
            reply,
            400,
            {
              error: `invalid ${source.name} payload`,
              issues: shown,
              ...(issues.length > shown.length ? { moreIssues: issues.length - shown.length } : {}),
            },
            source.name,
          );
        }
        const alerts = source.alerts(parsed.data, receivedAt);
        const { incidents, unrouted } = router.plan(alerts);
        let recorded: Awaited<ReturnType<IncidentRecorder['record']>>;
        try {
          recorded = await recorder.record(incidents, receivedAt);
        } catch (err) {
          if (!(err instanceof TemporalUnavailable)) throw err;
          metrics.temporalFailures.inc({ source: source.name });
          log('WARN', 'alert delivery not recorded; answered 503 so the sender retries', { source: source.name, error: err.message });
          return reply.code(503).header('retry-after', '5').send({ error: 'Temporal is unavailable; retry the delivery' });
        }
        for (const u of unrouted) log('WARN', 'alert matched no usable route', { source: source.name, ...u });
        countAlerts(metrics, source.name, recorded, unrouted.length);
        if (recorded.length) log('INFO', 'alerts recorded', { source: source.name, incidents: recorded.map((r) => r.incidentId) });
        return reply.code(202).send({ accepted: alerts.length, incidents: recorded, unrouted });
      },
    });
  }

  const { oidc, slack } = config.approvals;
  if (oidc || slack) {
    const key = approvalKey(config, env);
    if (oidc) registerDecisions(app, { client, config, log, key, verify: oidcVerifier(oidc) });
    if (slack) registerSlack(app, slack, { client, log, key, env });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await client.withDeadline(Date.now() + 2000, () => client.workflowService.describeNamespace({ namespace: config.temporal.namespace }));
      return { status: 'ready' };
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', error: `Temporal does not answer: ${(err as Error).message}` });
    }
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}

function sourceOf(req: FastifyRequest): string | undefined {
  return (req.routeOptions.config as { source?: string } | undefined)?.source;
}

function countAlerts(metrics: GatewayMetrics, source: string, recorded: { alerts: number; outcome: string }[], unrouted: number): void {
  for (const r of recorded) metrics.alerts.inc({ source, outcome: r.outcome === 'signalled' ? 'recorded' : 'no_open_incident' }, r.alerts);
  if (unrouted) metrics.alerts.inc({ source, outcome: 'unrouted' }, unrouted);
}
