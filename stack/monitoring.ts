// The local stack's detection chain, one process for scripts/stack.sh: mysqld_exporter per MariaDB server,
// redis_exporter per Redis, kube-state-metrics per cluster, Prometheus scraping them, the shop and mend with mend's
// alert rules (drill-short), and Alertmanager posting to mend's gateway. Ctrl-C stops them all.
// Env: MEND_MONITORING_DIR (its files and logs), MEND_MONITORING_PORT (9090: Prometheus; +1 Alertmanager; the next
// ones the exporters), MEND_SHOP_URL, MEND_MYSQL_EXPORTER_PASSWORD, MEND_GATEWAY_TOKEN, MEND_CONFIG.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { toMs } from '../common/duration';
import { errorMessage } from '../common/error-message';
import { stopProcess, waitForPort } from '../common/processes';
import { projectRoot } from '../common/project-root';
import { provisioned } from '../common/provisioned';
import type { Duration } from '../common/types';
import { loadConfig } from '../config/load';
import { configPacks } from '../packs/load';
import { drillRules } from './alert-rules';
import { alertmanagerConfig, prometheusConfig, type ScrapeTarget } from './monitoring-config';

interface MysqlCluster {
  nodes: string[];
}
interface RedisInstance {
  url: string;
  expendableKeys?: string;
}
interface KubeCluster {
  kubeconfig?: string;
}

const promDuration = (d: Duration) => `${toMs(d)}ms`;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

const children: ChildProcess[] = [];
let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(children.map((c) => stopProcess(c)));
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dir = required('MEND_MONITORING_DIR');
  const base = Number(process.env.MEND_MONITORING_PORT ?? 9090);
  mkdirSync(join(dir, 'rules'), { recursive: true });
  let next = base + 2;
  const start = async (name: string, bin: string, args: string[], port: number) => {
    const log = openSync(join(dir, `${name}.log`), 'a');
    // Only PATH: the stack's tokens and passwords are none of theirs.
    const child = spawn(bin, args, { stdio: ['ignore', log, log], env: { PATH: process.env.PATH } });
    children.push(child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`monitoring: ${name} exited (${code ?? signal}); see ${join(dir, `${name}.log`)}`);
      void stopAll().then(() => process.exit(1));
    });
    await waitForPort(port, 30_000, name);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  const jobs: Record<string, ScrapeTarget[]> = { mysql: [], redis: [], 'kube-state-metrics': [] };
  const password = process.env.MEND_MYSQL_EXPORTER_PASSWORD;
  for (const [cluster, c] of Object.entries((config.mysql ?? {}) as Record<string, MysqlCluster>)) {
    if (!password) break;
    for (const node of c.nodes) {
      const port = next++;
      const [host, nodePort] = node.split(':');
      const cnf = join(dir, `mysqld-exporter-${port}.cnf`);
      writeFileSync(cnf, `[client]\nuser=exporter\npassword=${password}\nhost=${host}\nport=${nodePort}\n`, { mode: 0o600 });
      const bin = provisioned('mysqld-exporter', 'MYSQLD_EXPORTER_BIN');
      await start(`mysqld-exporter-${port}`, bin, [`--config.my-cnf=${cnf}`, `--web.listen-address=127.0.0.1:${port}`], port);
      jobs.mysql.push({ address: `127.0.0.1:${port}`, labels: { instance: node, mysql_cluster: cluster } });
    }
  }
  const shop = process.env.MEND_SHOP_URL;
  for (const [name, r] of Object.entries((config.redis ?? {}) as Record<string, RedisInstance>)) {
    const port = next++;
    await start(`redis-exporter-${name}`, provisioned('redis-exporter', 'REDIS_EXPORTER_BIN'), [`-redis.addr=${r.url}`, `-web.listen-address=127.0.0.1:${port}`], port);
    const labels: Record<string, string> = { instance: new URL(r.url).host, redis: name };
    if (r.expendableKeys) labels.expendable_keys = r.expendableKeys;
    if (shop) labels.source_of_truth = `${shop}/cache/hot`;
    jobs.redis.push({ address: `127.0.0.1:${port}`, labels });
  }
  for (const [name, k] of Object.entries((config.kubernetes ?? {}) as Record<string, KubeCluster>)) {
    if (!k.kubeconfig) continue;
    const port = next;
    next += 2;
    const args = [`--kubeconfig=${k.kubeconfig}`, '--host=127.0.0.1', `--port=${port}`, '--telemetry-host=127.0.0.1', `--telemetry-port=${port + 1}`];
    await start(`kube-state-metrics-${name}`, provisioned('kube-state-metrics', 'KUBE_STATE_METRICS_BIN'), [...args, '--resources=pods,deployments,replicasets,nodes'], port);
    jobs['kube-state-metrics'].push({ address: `127.0.0.1:${port}`, labels: { cluster: name } });
  }
  if (shop) jobs.shop = [{ address: new URL(shop).host }];
  if (config.metrics.port) jobs['mend-worker'] = [{ address: `127.0.0.1:${config.metrics.port}` }];
  jobs['mend-gateway'] = [{ address: `127.0.0.1:${config.gateway.port}` }];

  const ruleFiles: string[] = [];
  const drilled = [join(projectRoot(), 'deploy', 'prometheus', 'target-rules.yml'), ...configPacks(config).flatMap((p) => (p.alertsFile ? [p.alertsFile] : []))];
  drilled.forEach((file, i) => {
    const out = join(dir, 'rules', `drill-${i}.yml`);
    writeFileSync(out, drillRules(readFileSync(file, 'utf8'), { ...config.drills.alertFor, window: promDuration(config.drills.alertWindow) }));
    ruleFiles.push(out);
  });
  ruleFiles.push(join(projectRoot(), 'deploy', 'prometheus', 'mend-rules.yml'));

  const alertmanagerPort = base + 1;
  const tokenFile = join(dir, 'mend-token');
  writeFileSync(tokenFile, required('MEND_GATEWAY_TOKEN'), { mode: 0o600 });
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    alertmanagerConfig(`http://127.0.0.1:${config.gateway.port}/alerts/alertmanager`, tokenFile, { group_wait: '1s', group_interval: '5s' }),
  );
  await start(
    'alertmanager',
    provisioned('alertmanager', 'ALERTMANAGER_BIN'),
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
      '--cluster.listen-address=',
    ],
    alertmanagerPort,
  );
  writeFileSync(
    join(dir, 'prometheus.yml'),
    prometheusConfig({ jobs, ruleFiles, alertmanager: `127.0.0.1:${alertmanagerPort}`, honorLabels: ['kube-state-metrics'], interval: '1s' }),
  );
  await start(
    'prometheus',
    provisioned('prometheus', 'PROMETHEUS_BIN'),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${base}`,
      '--storage.tsdb.retention.time=7d',
    ],
    base,
  );
  await scraped(
    `http://127.0.0.1:${base}`,
    Object.keys(jobs).filter((j) => jobs[j].length),
  );
  console.log(`Prometheus: http://127.0.0.1:${base}/alerts · Alertmanager: http://127.0.0.1:${alertmanagerPort}`);
  console.log('monitoring ready');
}

/** Waits until Prometheus has scraped every job once (a target may be down: it only has to have been tried). */
async function scraped(url: string, jobs: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: 'count by (job) (up)' })}`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { data?: { result: { metric: { job: string } }[] } } | undefined;
    const seen = new Set(body?.data?.result.map((r) => r.metric.job));
    if (jobs.every((j) => seen.has(j))) return;
    if (Date.now() > deadline) throw new Error(`Prometheus did not scrape ${jobs.filter((j) => !seen.has(j)).join(', ')} within 30 s`);
    await delay(200);
  }
}

main().catch(async (err) => {
  console.error(`monitoring: ${errorMessage(err)}`);
  await stopAll();
  process.exit(1);
});
