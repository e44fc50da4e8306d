// A real Prometheus (Debian's) scraping real targets every second (redis_exporter, an application), for PromQL verification.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusConfig } from '../../stack/monitoring-config';
import { freePort, provisioned, scratchDir, stopProcess, waitForPort } from './processes';
import { waitFor } from './wait';

export interface Prometheus {
  url: string;
  /** The series an instant query returns now. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** A Prometheus scraping `targets` (job name → host:port) every second, once it has scraped each of them. */
export async function startPrometheus(targets: Record<string, string>): Promise<Prometheus> {
  const prometheus = provisioned('prometheus', 'PROMETHEUS_BIN');
  const dir = scratchDir('prometheus-');
  const port = await freePort();
  const jobs = Object.fromEntries(Object.entries(targets).map(([job, address]) => [job, [{ address }]]));
  writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig({ jobs, ruleFiles: [], interval: '1s' }));
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
  for (const job of Object.keys(targets)) {
    await waitFor(async () => (await query(`up{job="${job}"}`)).some((s) => s.value[1] === '1'), `Prometheus to scrape ${job}`);
  }
  return { url, query, stop: () => stopProcess(child) };
}

/** Prometheus scraping a real redis_exporter (Debian's) on `redisUrl`, job "redis". */
export async function startPrometheusOnRedis(redisUrl: string): Promise<Prometheus> {
  const exporter = provisioned('redis-exporter', 'REDIS_EXPORTER_BIN');
  const exporterPort = await freePort();
  const exporterProcess = spawn(exporter, [`-redis.addr=${redisUrl}`, `-web.listen-address=127.0.0.1:${exporterPort}`], { stdio: 'ignore' });
  await waitForPort(exporterPort, 10_000, 'redis_exporter');
  const prometheus = await startPrometheus({ redis: `127.0.0.1:${exporterPort}` });
  await waitFor(async () => (await prometheus.query('redis_up')).some((s) => s.value[1] === '1'), 'Prometheus to see redis_up');
  return {
    ...prometheus,
    stop: async () => {
      await prometheus.stop();
      await stopProcess(exporterProcess);
    },
  };
}
