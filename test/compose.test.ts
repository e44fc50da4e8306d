// docker-compose.yml cannot run here (no Docker engine): it is loaded and validated against the Compose
// specification by compose-go, the loader Docker Compose itself uses, and its pieces are checked to exist.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { parseConfig } from '../config/load';
import { redisTargets } from './helpers/mend';
import { provisioned, root } from './helpers/processes';

const run = promisify(execFile);

// Exactly the environment of the commands docker-compose.yml documents (nothing else from this shell).
const services = async (profiles: string, secrets: Record<string, string>) =>
  (
    await run(provisioned('compose-check', 'MEND_COMPOSE_CHECK'), [join(root, 'docker-compose.yml')], { env: { PATH: process.env.PATH, ...secrets, COMPOSE_PROFILES: profiles } })
  ).stdout
    .trim()
    .split('\n');

test('docker-compose.yml is a valid Compose file: Temporal on PostgreSQL with its UI, or the dev server; mend; monitoring', async () => {
  const mend = ['alertmanager', 'gateway', 'grafana', 'prometheus', 'redis', 'worker'];
  const secrets = { MEND_GATEWAY_TOKEN: 'x', GRAFANA_PASSWORD: 'z' };
  expect(await services('cluster', { ...secrets, POSTGRES_PASSWORD: 'y' })).toEqual(
    [...mend, 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui'].sort(),
  );
  expect(await services('dev', secrets)).toEqual([...mend, 'temporal-dev'].sort());
  await expect(services('dev', { MEND_GATEWAY_TOKEN: 'x' })).rejects.toMatchObject({ stderr: expect.stringContaining('set GRAFANA_PASSWORD') });
});

test("the files docker-compose.yml mounts exist, and its Prometheus config loads in promtool with mend's rules", async () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
  const mounts = Object.values(compose.services as Record<string, { volumes?: string[] }>)
    .flatMap((s) => s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => v.split(':')[0]);
  expect(mounts.length).toBeGreaterThan(5);
  for (const file of mounts) expect({ file, exists: existsSync(join(root, file)) }).toEqual({ file, exists: true });
  const prometheus = readFileSync(join(root, 'deploy', 'prometheus', 'compose.yml'), 'utf8').replace(
    '/etc/prometheus/mend-rules.yml',
    join(root, 'deploy', 'prometheus', 'mend-rules.yml'),
  );
  const file = join(process.env.MEND_TEST_DIR!, 'prometheus-compose.yml');
  writeFileSync(file, prometheus);
  expect((await run(provisioned('promtool', 'PROMTOOL'), ['check', 'config', file])).stdout).toContain('SUCCESS');
});

test('an invalid Compose file is rejected by the same check', async () => {
  const check = provisioned('compose-check', 'MEND_COMPOSE_CHECK');
  const bad = join(process.env.MEND_TEST_DIR!, 'bad-compose.yml');
  writeFileSync(bad, 'services:\n  worker:\n    image: x\n    ports: "not-a-list"\n    restart: sometimes\n');
  await expect(run(check, [bad])).rejects.toMatchObject({ code: 1 });
});

test('the config and commands the compose worker and gateway use exist and are valid', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
  for (const service of ['worker', 'gateway']) {
    const config = parseConfig(parse(readFileSync(join(root, 'config', 'mend.yaml'), 'utf8')), 'mend.yaml', compose.services[service].environment);
    expect(redisTargets(config).default.url).toBe('redis://redis:6379');
    expect(config.temporal.address).toBe('temporal:7233');
    expect([config.metrics.host, config.gateway.host]).toEqual(['0.0.0.0', '0.0.0.0']);
  }
  const cmd = /CMD \[(.*)\]/.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))![1];
  expect(cmd).toContain('dist/workers/main.js');
  expect(compose.services.gateway.command).toContain('dist/gateway/main.js');
  for (const entry of ['workers', 'gateway']) expect(existsSync(join(root, 'dist', entry, 'main.js'))).toBe(true);
});
