// A real Prometheus (Debian's) scraping a real redis_exporter (Debian's) every second, for PromQL verification.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, provisioned, scratchDir, stopProcess, waitForPort } from './processes';
import { waitFor } from './wait';

export interface Prometheus {
  url: string;
  /** The series an instant query returns now. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export async function startPrometheusOnRedis(redisUrl: string): Promise<Prometheus> {
  const [prometheus, exporter] = [provisioned('prometheus', 'PROMETHEUS_BIN'), provisioned('redis-exporter', 'REDIS_EXPORTER_BIN')];
  const dir = scratchDir('prometheus-');
  const [exporterPort, port] = [await freePort(), await freePort()];
  const exporterProcess = spawn(exporter, [`-redis.addr=${redisUrl}`, `-web.listen-address=127.0.0.1:${exporterPort}`], { stdio: 'ignore' });
  await waitForPort(exporterPort, 10_000, 'redis_exporter');
  const config = { global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'redis', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }] };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const child = spawn(
    prometheus,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, 20_000, 'Prometheus');
  const url = `http://127.0.0.1:${port}`;
  const query = async (promql: string) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.data.result;
  };
  await waitFor(async () => (await query('redis_up')).some((s) => s.value[1] === '1'), 'Prometheus to scrape redis_exporter');
  return {
    url,
    query,
    stop: async () => {
      await stopProcess(child);
      await stopProcess(exporterProcess);
    },
  };
}
