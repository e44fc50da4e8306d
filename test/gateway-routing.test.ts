// Routes: Alertmanager's matcher semantics, first match wins unless `continue`, params from labels, and a bad
// route stops start-up with its path.
import type { ReceivedAlert } from '../gateway/alert';
import { gatewaySchema } from '../gateway/config-schema';
import { gatewayClient } from '../gateway/connection';
import { parseMatcher } from '../gateway/matchers';
import { Router } from '../gateway/router';
import { gatewayRoutes, routerFor } from '../gateway/routes';
import { alertSources } from '../gateway/sources';
import { createGateway } from '../gateway/server';
import { ConfigError, parseConfig } from '../config/load';
import { alertmanagerPayload, grafanaPayload } from './fixtures/alerts';
import { configProblems } from './helpers/config-problems';

const alert = (labels: Record<string, string>, extra: Partial<ReceivedAlert> = {}): ReceivedAlert => ({
  source: 'alertmanager',
  status: 'firing',
  labels,
  annotations: { summary: 'memory high', keys: 'session:*' },
  startsAt: '2026-11-21T10:00:00.000Z',
  fingerprint: 'f1',
  group: '{}:{alertname="RedisMemoryHigh"}',
  ...extra,
});

test.each([
  ['env="prod"', { env: 'prod' }, true],
  ['env="prod"', { env: 'production' }, false],
  ['env!="prod"', {}, true],
  ['env=~"prod|staging"', { env: 'staging' }, true],
  ['env=~"prod"', { env: 'prod-2' }, false],
  ['env!~"prod.*"', { env: 'dev' }, true],
  ['team=""', {}, true],
  ['team=~".+"', {}, false],
  ['name = "a \\"quoted\\" value"', { name: 'a "quoted" value' }, true],
  ['env=prod', { env: 'prod' }, true],
])('%s against %j is %s', (text, labels, expected) => {
  expect(parseMatcher(text)(labels)).toBe(expected);
});

const routes = (list: unknown[]) => gatewaySchema.parse({ routes: list }).routes;
const memory = { runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: '{{ annotations.keys }}', below: '{{ labels.below }}' } };

test('first match wins; params are rendered from labels and annotations and typed by the runbook', () => {
  const router = new Router(
    routes([
      { name: 'first', matchers: ['alertname="RedisMemoryHigh"'], ...memory },
      { name: 'second', matchers: ['alertname=~"Redis.*"'], runbook: 'redis-flush-cache', params: { redis: '{{ labels.redis }}' } },
    ]),
  );
  const { incidents, unrouted } = router.plan([alert({ alertname: 'RedisMemoryHigh', redis: 'cache-1', below: '0.8', severity: 'critical' })]);
  expect(unrouted).toEqual([]);
  expect(incidents).toEqual([
    expect.objectContaining({
      route: 'first',
      runbook: 'redis-memory-relief',
      params: { redis: 'cache-1', pattern: 'session:*', below: 0.8 },
      target: 'redis/cache-1',
      severity: 'critical',
      faultStartedAt: '2026-11-21T10:00:00.000Z',
      incidentId: expect.stringMatching(/^alert:redis\.cache-1:[0-9a-f]{16}$/),
    }),
  ]);
});

test('continue: later routes match too; one incident per group and target', () => {
  const router = new Router(
    routes([
      { matchers: ['alertname="RedisMemoryHigh"'], continue: true, ...memory },
      { matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-flush-cache', params: { redis: 'other' } },
    ]),
  );
  const labels = { alertname: 'RedisMemoryHigh', redis: 'cache-1', below: '0.8' };
  const { incidents } = router.plan([alert(labels), alert(labels, { fingerprint: 'f2' }), alert(labels, { group: 'another group' })]);
  expect(incidents.map((i) => [i.runbook, i.target, i.notices.length])).toEqual([
    ['redis-memory-relief', 'redis/cache-1', 2],
    ['redis-flush-cache', 'redis/other', 2],
    ['redis-memory-relief', 'redis/cache-1', 1],
    ['redis-flush-cache', 'redis/other', 1],
  ]);
  expect(new Set(incidents.map((i) => i.incidentId)).size).toBe(4);
});

test('groupBy replaces the source grouping, so alerts from different groups share an incident', () => {
  const router = new Router(routes([{ matchers: [], groupBy: ['redis'], ...memory }]));
  const labels = { alertname: 'RedisMemoryHigh', redis: 'cache-1', below: '0.8' };
  const { incidents } = router.plan([alert(labels), alert(labels, { group: 'another group', fingerprint: 'f2' })]);
  expect(incidents).toHaveLength(1);
});

test('an alert with no route, or whose route cannot fill its params, is unrouted with the reason', () => {
  const router = new Router(routes([{ matchers: ['alertname="RedisMemoryHigh"'], ...memory }]));
  const { incidents, unrouted } = router.plan([
    alert({ alertname: 'DiskFull' }),
    alert({ alertname: 'RedisMemoryHigh', below: '0.8' }),
    alert({ alertname: 'RedisMemoryHigh', redis: 'cache-1', below: 'lots' }),
  ]);
  expect(incidents).toEqual([]);
  expect(unrouted.map((u) => u.reason)).toEqual([
    'no route matches',
    expect.stringMatching(/param "redis" needs labels.redis/),
    expect.stringMatching(/invalid params for redis-memory-relief: below/),
  ]);
});

test('a bad route fails start-up, naming the path of each problem', () => {
  let error: ConfigError | undefined;
  try {
    parseConfig(
      {
        gateway: {
          sources: { alertmanager: {}, grafana: { hmac: { secretEnv: 'lower-case' } } },
          routes: [
            { matchers: ['alertname=~"("', 'not a matcher'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.x }}' } },
            { runbook: 'no-such-runbook' },
            { runbook: 'cache-warmup', params: { source: '{{ label.x }}', colour: 'blue' } },
          ],
        },
      },
      'mend.yaml',
      {},
    );
  } catch (e) {
    error = e as ConfigError;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const paths = error!.problems.map((p) => p.split(': ')[0]);
  expect(paths).toEqual(
    expect.arrayContaining([
      'gateway.sources.alertmanager',
      'gateway.sources.grafana.hmac.secretEnv',
      'gateway.routes.0.matchers.0',
      'gateway.routes.0.matchers.1',
      'gateway.routes.0.params',
      'gateway.routes.1.runbook',
      'gateway.routes.2.params.source',
      'gateway.routes.2.params.colour',
    ]),
  );
  expect(error!.problems.join('\n')).toMatch(/redis-memory-relief needs param "pattern"/);
});

test('the shipped config loads, and its routes reach runbooks mend has', () => {
  const config = parseConfig(require('yaml').parse(require('node:fs').readFileSync('config/mend.yaml', 'utf8')), 'mend.yaml', {});
  const { gateway } = config;
  expect(gatewayRoutes(config).map((r) => r.runbook)).toEqual([
    'redis-memory-relief',
    'cache-warmup',
    'redis-memory-relief',
    'redis-memory-relief',
    'k8s-pod-restart',
    'k8s-scale-up',
    'k8s-scale-up',
    'k8s-rollout-undo',
    'k8s-node-drain',
    'k8s-node-drain',
    'mysql-primary-failover',
    'mysql-connection-surge',
    'mysql-replication-repair',
    'mysql-primary-failover',
    'mysql-replication-repair',
  ]);
  expect(Object.keys(gateway.sources).sort()).toEqual(['alertmanager', 'generic', 'grafana', 'zabbix']);
});

test('a source whose secret is not in the environment stops start-up, naming the variable', () => {
  const config = parseConfig({ gateway: { sources: { zabbix: { tokenEnv: 'MEND_ZABBIX_TOKEN' } } } }, 'mend.yaml', {});
  const client = gatewayClient({ address: '127.0.0.1:1' }, 'default');
  expect(() => createGateway({ config, client, log: () => undefined, env: {} })).toThrow(/gateway.sources.zabbix.tokenEnv: environment variable MEND_ZABBIX_TOKEN is not set/);
});

test("the shipped routes take the mixins' alerts as their exporters send them, naming the cluster from the instance", () => {
  const config = parseConfig(require('yaml').parse(require('node:fs').readFileSync('config/mend.yaml', 'utf8')), 'mend.yaml', {});
  const router = routerFor(config);
  const route = (payload: unknown, source: 'alertmanager' | 'grafana') => {
    const reader = alertSources[source].source;
    const parsed = reader.parse(payload);
    if (!parsed.success) throw parsed.error;
    return reader.alerts(parsed.data, new Date()).map((a) => {
      const { incidents, unrouted } = router.plan([a]);
      return incidents.length ? `${incidents[0].route} → ${incidents[0].runbook} on ${incidents[0].target}` : `unrouted: ${unrouted[0].reason}`;
    });
  };
  const am = (labels: Record<string, string>) => alertmanagerPayload([{ labels }]);
  expect(route(am({ alertname: 'MySQLDown', instance: '127.0.0.1:3308', job: 'mysql', severity: 'critical' }), 'alertmanager')).toEqual([
    'mysql/mysqld-mixin-down → mysql-primary-failover on mysql/default',
  ]);
  expect(route(am({ alertname: 'MySQLReplicationNotRunning', instance: '127.0.0.1:3309', job: 'mysql' }), 'alertmanager')).toEqual([
    'mysql/mysqld-mixin-replication → mysql-replication-repair on mysql/default',
  ]);
  expect(route(am({ alertname: 'KubeNodeUnreachable', node: 'kwok-node-1', key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }), 'alertmanager')).toEqual([
    'kubernetes/kube-node-unreachable → k8s-node-drain on k8s/default/node/kwok-node-1',
  ]);
  // An application's overload rule (the shop's) names the deployment to scale.
  expect(route(am({ alertname: 'KubeDeploymentOverloaded', namespace: 'shop', deployment: 'web', severity: 'warning' }), 'alertmanager')).toEqual([
    'kubernetes/kube-deployment-overloaded → k8s-scale-up on k8s/default/shop/deployment/web',
  ]);
  expect(route(grafanaPayload([{ labels: { alertname: 'MySQL instance down', instance: '127.0.0.1:3307', grafana_folder: 'db' } }]), 'grafana')).toEqual([
    'mysql/mysqld-mixin-down → mysql-primary-failover on mysql/default',
  ]);
  expect(route(am({ alertname: 'RedisOutOfMemory', instance: '127.0.0.1:6379' }), 'alertmanager')).toEqual([
    'redis/redis-exporter-out-of-memory → redis-memory-relief on redis/default',
  ]);
  // An exporter's own address that no cluster lists is not guessed.
  expect(route(am({ alertname: 'MySQLDown', instance: 'db9:9104' }), 'alertmanager')).toEqual([
    'unrouted: route mysql/mysqld-mixin-down: param "cluster": mysql.cluster: no configured target has instance db9:9104 (its servers, or list it under instances)',
  ]);
});

test('an instance on two clusters is refused, not guessed; an instances list settles it; a lookup no pack has stops start-up', () => {
  const two = { a: { nodes: ['10.0.0.1:3306'] }, b: { nodes: ['10.0.0.1:3307'], instances: ['10.0.0.1:9104'] } };
  const router = routerFor(parseConfig({ mysql: two }, 'inline', {}));
  const plan = (instance: string) => router.plan([alert({ alertname: 'MySQLDown', instance })]);
  expect(plan('10.0.0.1:3307').incidents[0].target).toBe('mysql/b');
  expect(plan('10.0.0.1:9104').incidents[0].target).toBe('mysql/b');
  expect(plan('10.0.0.1:9999').unrouted[0].reason).toMatch(/instance 10\.0\.0\.1:9999 matches a and b: list it under one's instances/);
  const bad = { gateway: { routes: [{ matchers: [], runbook: 'mysql-primary-failover', params: { cluster: '{{ labels.instance | mysql.clusterOf }}' } }] } };
  expect(configProblems(() => parseConfig(bad, 'inline', {}))).toEqual(['route #0 (mysql-primary-failover): param "cluster" uses mysql.clusterOf, which no pack provides']);
});
