// The config file: defaults are the seed's policy; a bad field fails with its path; env overrides apply.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../config/load';
import type { MysqlConfig } from '../runbooks/mysql/config';
import { configProblems } from './helpers/config-problems';
import { redisTargets } from './helpers/mend';
import { root, scratchDir } from './helpers/processes';

test("defaults are the seed's safety policy", () => {
  const { policy, temporal } = parseConfig({}, 'inline', {});
  expect(policy.attempts).toEqual({ max: 3, window: '5m' });
  expect(policy.approval).toMatchObject({ severities: ['critical'], risks: ['high'], quorum: 1, timeout: '15m' });
  expect(policy.refuseDestructiveWithoutUndo).toBe(true);
  expect(policy.retry.maximumAttempts).toBe(3);
  expect(temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'mend' });
});

test('each bad field is reported with its path', () => {
  const bad = {
    policy: { attempts: { max: -1 }, retry: { maximumAttempts: 1000 }, approval: { severities: ['urgent'] }, typo: 1 },
    redis: { Bad_Name: { url: 'redis://x' } },
  };
  let error: ConfigError | undefined;
  try {
    parseConfig(bad, 'mend.yaml', {});
  } catch (e) {
    error = e as ConfigError;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const paths = error!.problems.map((p) => p.split(':')[0]);
  expect(paths).toEqual(expect.arrayContaining(['policy.attempts.max', 'policy.retry.maximumAttempts', 'policy.approval.severities.0', 'policy', 'redis.Bad_Name']));
  expect(error!.problems.find((p) => p.startsWith('policy:'))).toMatch(/typo/);
});

test('a bad or too short interval is reported with its path, never as a crash', () => {
  const problems = (raw: unknown) => configProblems(() => parseConfig(raw, 'mend.yaml', {}));
  expect(problems({ notifications: { progressEvery: 'soon' } })).toEqual([expect.stringMatching(/^notifications\.progressEvery: expected a duration/)]);
  expect(problems({ notifications: { progressEvery: '500ms', timeout: 0 } })).toEqual(['notifications.progressEvery: at least 1s', 'notifications.timeout: at least 100ms']);
  expect(problems({ metrics: { approvalsEvery: 0 } })).toEqual(['metrics.approvalsEvery: at least 100ms']);
});

test('environment overrides apply, and a bad one is reported like a bad field', () => {
  const config = parseConfig({ temporal: { address: 'a:1' } }, 'inline', {
    TEMPORAL_ADDRESS: 'temporal.prod:7233',
    TEMPORAL_NAMESPACE: 'sre',
    MEND_REDIS_URL: 'redis://127.0.0.1:6380',
  });
  expect(config.temporal).toMatchObject({ address: 'temporal.prod:7233', namespace: 'sre' });
  expect(redisTargets(config).default.url).toBe('redis://127.0.0.1:6380');
  // What the local stack sets for the MariaDB topology it runs under $MEND_DATA.
  const mysql = { default: { nodes: ['db:3306'], user: 'mend', passwordEnv: 'P', backup: { dir: '/var/backups', retain: 3 } } };
  const local = parseConfig({ mysql }, 'inline', { MEND_MYSQL_NODES: 'h:1, h:2', MEND_MYSQL_WRITER_FILE: '/data/writer.json', MEND_MYSQL_BACKUP_DIR: '/data/backups' });
  expect((local.mysql as MysqlConfig).default).toMatchObject({ nodes: ['h:1', 'h:2'], writerEndpoint: { file: '/data/writer.json' }, backup: { dir: '/data/backups', retain: 3 } });
  expect(() => parseConfig({}, 'inline', { MEND_METRICS_PORT: 'abc' })).toThrow(/metrics\.port: /);
});

test('the shipped config/mend.yaml is valid, and unreadable or non-YAML files fail clearly', () => {
  expect(redisTargets(loadConfig()).default.url).toBe('redis://127.0.0.1:6379');
  const dir = scratchDir('config-');
  expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(/cannot read/);
  writeFileSync(join(dir, 'broken.yaml'), 'policy: [unclosed');
  expect(() => loadConfig(join(dir, 'broken.yaml'))).toThrow(/not valid YAML/);
});

test('a config extends another: sections merge key by key, each file names its packs relative to itself; loops and bad values are refused', () => {
  const dir = scratchDir('config-extends-');
  const stack = loadConfig(join(root, 'config', 'stack.yaml'));
  expect(stack.packs).toEqual([join(root, 'examples', 'shop'), join(root, 'examples', 'services-pack')]);
  expect(redisTargets(stack).default).toMatchObject({ url: 'redis://127.0.0.1:6379', expendableKeys: 'session:*', drill: 'allowed' });
  expect(stack.policy.attempts.max).toBe(3); // from mend.yaml, under it
  writeFileSync(join(dir, 'over.yaml'), `extends: ${join(root, 'config', 'stack.yaml')}\nredis: { default: { url: 'redis://127.0.0.1:6390' } }\n`);
  const over = loadConfig(join(dir, 'over.yaml'));
  expect(redisTargets(over).default).toMatchObject({ url: 'redis://127.0.0.1:6390', drill: 'allowed' });
  expect(over.packs).toEqual([join(root, 'examples', 'shop'), join(root, 'examples', 'services-pack')]);
  writeFileSync(join(dir, 'a.yaml'), 'extends: b.yaml\n');
  writeFileSync(join(dir, 'b.yaml'), 'extends: a.yaml\n');
  expect(() => loadConfig(join(dir, 'a.yaml'))).toThrow(/extends: a loop: .*a\.yaml → .*b\.yaml → .*a\.yaml/);
  writeFileSync(join(dir, 'bad.yaml'), 'extends: [x]\n');
  expect(() => loadConfig(join(dir, 'bad.yaml'))).toThrow(/extends: expected the path/);
});
