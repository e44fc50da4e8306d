// A real part mend's own scripts install and cache (scripts/provision/<name>.sh prints its path). Node only.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './project-root';

export type Provisioned =
  | 'temporal'
  | 'test-server'
  | 'redis'
  | 'compose-check'
  | 'alertmanager'
  | 'promtool'
  | 'prometheus'
  | 'redis-exporter'
  | 'mysqld-exporter'
  | 'kube-state-metrics'
  | 'helm'
  | 'sshd'
  | 'chromium'
  | 'dex'
  | 'temporal-ui';

/** The path the script prints (fast when already provisioned); `envName`, when set, names it instead. */
export function provisioned(script: Provisioned, envName: string): string {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  const path = execFileSync('bash', [join(projectRoot(), 'scripts', 'provision', `${script}.sh`)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  process.env[envName] = path;
  return path;
}
