// docker-compose.yml cannot run here (no Docker engine): it is loaded and validated against the Compose
// specification by compose-go, the loader Docker Compose itself uses, and its pieces are checked to exist.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../config/load';
import { provisioned, root } from './helpers/processes';

const run = promisify(execFile);

test('docker-compose.yml is a valid Compose file with temporal, redis and the worker', async () => {
  const check = provisioned('compose-check', 'MEND_COMPOSE_CHECK');
  const { stdout } = await run(check, [join(root, 'docker-compose.yml')]);
  expect(stdout.trim().split('\n')).toEqual(['redis', 'temporal', 'worker']);
});

test('an invalid Compose file is rejected by the same check', async () => {
  const check = provisioned('compose-check', 'MEND_COMPOSE_CHECK');
  const bad = join(process.env.MEND_TEST_DIR!, 'bad-compose.yml');
  writeFileSync(bad, 'services:\n  worker:\n    image: x\n    ports: "not-a-list"\n    restart: sometimes\n');
  await expect(run(check, [bad])).rejects.toMatchObject({ code: 1 });
});

test('the config and command the compose worker uses exist and are valid', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'));
  const configPath = compose.services.worker.environment.MEND_CONFIG.replace('/app/', '');
  const config = loadConfig(join(root, configPath));
  expect(config.redis.default.url).toBe('redis://redis:6379');
  expect(config.metrics.host).toBe('0.0.0.0');
  const cmd = /CMD \[(.*)\]/.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))![1];
  expect(cmd).toContain('dist/workers/main.js');
  expect(existsSync(join(root, 'dist', 'workers', 'main.js'))).toBe(true);
});
