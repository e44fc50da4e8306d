// The alert rules shipped for mend's targets (deploy/prometheus/target-rules.yml): promtool loads them and they fire
// when their unit tests say, and every alert they fire, with the labels and annotations of those tests, is routed by
// the built-in packs' routes to a runbook with its params filled in.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfig } from '../config/load';
import { routerFor } from '../gateway/routes';
import { alertSources } from '../gateway/sources';
import { alertmanagerPayload } from './fixtures/alerts';
import { provisioned, root } from './helpers/processes';

const run = promisify(execFile);
const rulesDir = join(root, 'deploy', 'prometheus');

interface UnitTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] }[];
}

test('the target rules load, and fire exactly when their unit tests expect', async () => {
  const promtool = provisioned('promtool', 'PROMTOOL');
  await run(promtool, ['check', 'rules', join(rulesDir, 'target-rules.yml')]);
  const { stdout } = await run(promtool, ['test', 'rules', 'target-rules.test.yml'], { cwd: rulesDir });
  expect(stdout).toContain('SUCCESS');
});

test('every alert the target rules fire is routed to a runbook, its params filled from the alert', () => {
  const rules = parse(readFileSync(join(rulesDir, 'target-rules.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
  const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
  const fired = (parse(readFileSync(join(rulesDir, 'target-rules.test.yml'), 'utf8')) as UnitTests).tests.flatMap((t) =>
    t.alert_rule_test.flatMap((a) => a.exp_alerts.map((e) => ({ labels: { alertname: a.alertname, ...e.exp_labels }, annotations: e.exp_annotations ?? {} }))),
  );
  // Each rule's firing is in the unit tests.
  expect(new Set(fired.map((f) => f.labels.alertname))).toEqual(new Set(names));

  const router = routerFor(parseConfig({}, 'inline', {}));
  const { source } = alertSources.alertmanager;
  const routed = fired.map((alert) => {
    const parsed = source.parse(alertmanagerPayload([alert]));
    if (!parsed.success) throw parsed.error;
    const { incidents, unrouted } = router.plan(source.alerts(parsed.data, new Date()));
    expect({ alert: alert.labels.alertname, unrouted }).toEqual({ alert: alert.labels.alertname, unrouted: [] });
    return [alert.labels.alertname, incidents.map((i) => [i.runbook, i.params])];
  });
  expect(Object.fromEntries(routed)).toEqual({
    KubePodCrashLooping: [['k8s-pod-restart', { namespace: 'shop', pod: 'web-1' }]],
    KubeDeploymentReplicasMismatch: [['k8s-scale-up', { namespace: 'shop', deployment: 'web' }]],
    KubeDeploymentRolloutStuck: [['k8s-rollout-undo', { namespace: 'shop', deployment: 'api' }]],
    KubeNodeNotReady: [['k8s-node-drain', { node: 'kwok-1' }]],
    MysqlDown: [['mysql-primary-failover', { cluster: 'default' }]],
    MysqlTooManyConnections: [['mysql-connection-surge', { cluster: 'default' }]],
    MysqlSlaveSqlThreadNotRunning: [['mysql-replication-repair', { cluster: 'default' }]],
    MysqlSlaveIoThreadNotRunning: [['mysql-replication-repair', { cluster: 'default' }]],
    RedisMemoryHigh: [['redis-memory-relief', { redis: 'default', pattern: 'session:*' }]],
    RedisCacheHitRateLow: [['cache-warmup', { redis: 'default', source: 'http://127.0.0.1:8088/hot-keys' }]],
  });
});
