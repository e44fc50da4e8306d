// A real Prometheus Alertmanager running mend's shipped receiver config (deploy/alertmanager/alertmanager.yml),
// pointed at a test gateway: the webhooks the gateway gets are the ones Alertmanager really sends.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerConfig } from '../../stack/monitoring-config';
import { freePort, provisioned, scratchDir, stopProcess, waitForPort } from './processes';

export interface Alertmanager {
  url: string;
  /** Posts alerts to Alertmanager's API, as Prometheus does; endsAt in the past resolves them. */
  send(alerts: { labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlertmanager(webhookUrl: string, token: string): Promise<Alertmanager> {
  const bin = provisioned('alertmanager', 'ALERTMANAGER_BIN');
  const dir = scratchDir('alertmanager-');
  // Only what a test cannot wait for, and where mend is, differ from the shipped file.
  writeFileSync(join(dir, 'mend-token'), token, { mode: 0o600 });
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerConfig(webhookUrl, join(dir, 'mend-token'), { group_wait: '0s', group_interval: '1s' }));
  const port = await freePort();
  const child = spawn(
    bin,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, 20_000, 'Alertmanager');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async send(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    stop: () => stopProcess(child),
  };
}
