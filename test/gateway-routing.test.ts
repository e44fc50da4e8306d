// Routes: Alertmanager's matcher semantics, first match wins unless `continue`, params from labels, and a bad
// route stops start-up with its path.
import type { ReceivedAlert } from '../gateway/alert';
import { gatewaySchema } from '../gateway/config-schema';
import { gatewayClient } from '../gateway/connection';
import { parseMatcher } from '../gateway/matchers';
import { Router } from '../gateway/router';
import { gatewayRoutes } from '../gateway/routes';
import { createGateway } from '../gateway/server';
import { ConfigError, parseConfig } from '../config/load';

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
  const router = new Router(routes([
    { name: 'first', matchers: ['alertname="RedisMemoryHigh"'], ...memory },
    { name: 'second', matchers: ['alertname=~"Redis.*"'], runbook: 'redis-flush-cache', params: { redis: '{{ labels.redis }}' } },
  ]));
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
  const router = new Router(routes([
    { matchers: ['alertname="RedisMemoryHigh"'], continue: true, ...memory },
    { matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-flush-cache', params: { redis: 'other' } },
  ]));
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
    parseConfig({
      gateway: {
        sources: { alertmanager: {}, grafana: { hmac: { secretEnv: 'lower-case' } } },
        routes: [
          { matchers: ['alertname=~"("', 'not a matcher'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.x }}' } },
          { runbook: 'no-such-runbook' },
          { runbook: 'cache-warmup', params: { source: '{{ label.x }}', colour: 'blue' } },
        ],
      },
    }, 'mend.yaml', {});
  } catch (e) {
    error = e as ConfigError;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const paths = error!.problems.map((p) => p.split(': ')[0]);
  expect(paths).toEqual(expect.arrayContaining([
    'gateway.sources.alertmanager',
    'gateway.sources.grafana.hmac.secretEnv',
    'gateway.routes.0.matchers.0',
    'gateway.routes.0.matchers.1',
    'gateway.routes.0.params',
    'gateway.routes.1.runbook',
    'gateway.routes.2.params.source',
    'gateway.routes.2.params.colour',
  ]));
  expect(error!.problems.join('\n')).toMatch(/redis-memory-relief needs param "pattern"/);
});

test('the shipped config loads, and its routes reach runbooks mend has', () => {
  const config = parseConfig(require('yaml').parse(require('node:fs').readFileSync('config/mend.yaml', 'utf8')), 'mend.yaml', {});
  const { gateway } = config;
  expect(gatewayRoutes(config).map((r) => r.runbook)).toEqual([
    'redis-memory-relief',
    'cache-warmup',
    'redis-memory-relief',
    'k8s-pod-restart',
    'k8s-scale-up',
    'k8s-rollout-undo',
    'k8s-node-drain',
    'mysql-primary-failover',
    'mysql-connection-surge',
    'mysql-replication-repair',
  ]);
  expect(Object.keys(gateway.sources).sort()).toEqual(['alertmanager', 'generic', 'grafana', 'zabbix']);
});

test('a source whose secret is not in the environment stops start-up, naming the variable', () => {
  const config = parseConfig({ gateway: { sources: { zabbix: { tokenEnv: 'MEND_ZABBIX_TOKEN' } } } }, 'mend.yaml', {});
  const client = gatewayClient('127.0.0.1:1', 'default');
  expect(() => createGateway({ config, client, log: () => undefined, env: {} })).toThrow(
    /gateway.sources.zabbix.tokenEnv: environment variable MEND_ZABBIX_TOKEN is not set/,
  );
});
