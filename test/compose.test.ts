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

test('docker-compose.yml is a valid Compose file with temporal, redis, the worker and the gateway', async () => {
  const check = provisioned('compose-check', 'MEND_COMPOSE_CHECK');
  const { stdout } = await run(check, [join(root, 'docker-compose.yml')], { env: { ...process.env, MEND_GATEWAY_TOKEN: 'x' } });
  expect(stdout.trim().split('\n')).toEqual(['gateway', 'redis', 'temporal', 'worker']);
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
