// mend's own alert rules and Grafana dashboard, checked with Prometheus's promtool: the rules load and fire when
// their unit tests say (deploy/prometheus/mend-rules.test.yml), every dashboard query is valid PromQL, and every
// metric they name is one the worker or the gateway really exports.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { GatewayMetrics } from '../gateway/metrics';
import { MendMetrics } from '../workers/metrics';
import { provisioned, root, scratchDir } from './helpers/processes';

const run = promisify(execFile);
const promtool = () => provisioned('promtool', 'PROMTOOL');
const rulesDir = join(root, 'deploy', 'prometheus');
const dashboard = JSON.parse(readFileSync(join(root, 'deploy', 'grafana', 'mend-dashboard.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const dashboardQueries = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
const ruleQueries = [...readFileSync(join(rulesDir, 'mend-rules.yml'), 'utf8').matchAll(/expr: ([^|\n][^\n]*|\|\n(?:\s{10}.*\n)+)/g)].map((m) => m[1]);

test('the alert rules load, and fire exactly when their unit tests expect', async () => {
  await run(promtool(), ['check', 'rules', join(rulesDir, 'mend-rules.yml')]);
  const { stdout } = await run(promtool(), ['test', 'rules', 'mend-rules.test.yml'], { cwd: rulesDir });
  expect(stdout).toContain('SUCCESS');
});

test("every dashboard panel's query is valid PromQL", async () => {
  expect(dashboardQueries.length).toBeGreaterThanOrEqual(10);
  // Grafana's $__rate_interval is not PromQL; each query becomes a recording rule that promtool parses.
  const rules = dashboardQueries.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$__rate_interval', '5m') }));
  const file = join(scratchDir('dashboard-'), 'queries.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
  const { stdout } = await run(promtool(), ['check', 'rules', file]);
  expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
});

test('every metric the dashboard and the rules name is exported by the worker or the gateway', async () => {
  const exported = `${await new MendMetrics().registry.metrics()}\n${await new GatewayMetrics().registry.metrics()}`;
  const names = new Set([...dashboardQueries, ...ruleQueries].flatMap((q) => [...q.matchAll(/\b(?:mend|recovery|mttr)_[a-z_]+/g)].map((m) => m[0])));
  expect(names.size).toBeGreaterThanOrEqual(7);
  for (const name of names) {
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect({ name, exported: exported.includes(`# TYPE ${family} `) }).toEqual({ name, exported: true });
  }
});
