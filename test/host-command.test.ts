// The core pack's hostCommand over real SSH (Debian's OpenSSH on loopback) and on the worker's own host: only
// allowlisted argv runs, a changed host key is refused before anything runs, and a timeout kills the command there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { hostCommandActivities, type HostCommandInput } from '../runbooks/core/actions/host-command';
import configDefinition from '../runbooks/core/config';
import { scratchDir } from './helpers/processes';
import { keyPair, startSshd, type Sshd } from '../sdk/sshd';
import { waitFor } from './helpers/wait';

let sshd: Sshd;
let dir: string;
const nonRetryable = (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable;

beforeAll(async () => {
  sshd = await startSshd();
  dir = scratchDir('host-command-');
});
afterAll(() => sshd?.stop());

/** hostCommand as a worker runs it: inside an activity, which it heartbeats. */
const commands = (hostKey: string) => {
  const { hostCommand } = hostCommandActivities(
    configDefinition.schema.parse({
      hosts: {
        web: {
          hosts: ['127.0.0.1'],
          ssh: { user: 'root', port: sshd.port, keyFile: sshd.keyFile, hostKeys: { '127.0.0.1': hostKey } },
          allow: [['touch', '*'], ['echo', '*'], ['sleep', '*'], ['false']],
          timeout: '10s',
        },
        self: {
          hosts: ['localhost'],
          local: true,
          allow: [
            ['echo', '*'],
            ['sleep', '*'],
          ],
        },
      },
    }),
  );
  return { hostCommand: (input: HostCommandInput) => new MockActivityEnvironment().run(hostCommand, input) as ReturnType<typeof hostCommand> };
};

test('an allowed argv runs over SSH with its exit code and output recorded', async () => {
  const marker = join(dir, 'ran');
  const result = await commands(sshd.hostKey).hostCommand({ group: 'web', host: '127.0.0.1', argv: ['touch', marker] });
  expect(result).toMatchObject({ exitCode: 0, argv: ['touch', marker] });
  expect(existsSync(marker)).toBe(true);
  expect((await commands(sshd.hostKey).hostCommand({ group: 'web', host: '127.0.0.1', argv: ['echo', 'hello'] })).stdout).toBe('hello\n');
  const failed = await commands(sshd.hostKey)
    .hostCommand({ group: 'web', host: '127.0.0.1', argv: ['false'] })
    .catch((e) => e);
  expect(failed.message).toMatch(/false on 127\.0\.0\.1 exited 1/);
});

test('anything off the allowlist, shell syntax included, is refused and nothing runs', async () => {
  const pwned = join(dir, 'pwned');
  const hostile = [
    ['rm', '-rf', pwned],
    ['touch', `x; touch ${pwned}`],
    ['echo', `$(touch ${pwned})`],
    ['touch', pwned, pwned],
    ['touch', '--reference=/etc/passwd'],
    ['touch', `${dir}/../pwned`],
  ];
  for (const argv of hostile) {
    expect(
      nonRetryable(
        await commands(sshd.hostKey)
          .hostCommand({ group: 'web', host: '127.0.0.1', argv })
          .catch((e) => e),
      ),
    ).toBe(true);
  }
  expect(
    nonRetryable(
      await commands(sshd.hostKey)
        .hostCommand({ group: 'web', host: '10.0.0.9', argv: ['echo', 'x'] })
        .catch((e) => e),
    ),
  ).toBe(true);
  expect(existsSync(pwned)).toBe(false);
});

test('a host showing another key than the pinned one is refused and nothing runs', async () => {
  const marker = join(dir, 'impostor');
  const err = await commands(keyPair(dir, 'other'))
    .hostCommand({ group: 'web', host: '127.0.0.1', argv: ['touch', marker] })
    .catch((e) => e);
  expect(nonRetryable(err)).toBe(true);
  expect(err.message).toMatch(/host key of 127\.0\.0\.1 is not the one pinned/);
  expect(existsSync(marker)).toBe(false);
});

test('a timeout kills the command on the host, over SSH and locally', async () => {
  const sleeping = (seconds: string) => {
    try {
      return execFileSync('pgrep', ['-f', `^sleep ${seconds}$`], { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const remote = await commands(sshd.hostKey)
    .hostCommand({ group: 'web', host: '127.0.0.1', argv: ['sleep', '97'], timeout: '1s' })
    .catch((e) => e);
  expect(remote.message).toMatch(/did not finish within 1s and was killed/);
  await waitFor(async () => !sleeping('97'), 'the remote sleep to be gone', 10_000);
  const local = await commands(sshd.hostKey)
    .hostCommand({ group: 'self', host: 'localhost', argv: ['sleep', '98'], timeout: '1s' })
    .catch((e) => e);
  expect(local.message).toMatch(/did not finish within 1s and was killed/);
  await waitFor(async () => !sleeping('98'), 'the local sleep to be gone', 10_000);
  expect((await commands(sshd.hostKey).hostCommand({ group: 'self', host: 'localhost', argv: ['echo', 'here'] })).stdout).toBe('here\n');
});

test('a command that runs long heartbeats its activity while it runs', async () => {
  const { hostCommand } = hostCommandActivities(configDefinition.schema.parse({ hosts: { self: { hosts: ['localhost'], local: true, allow: [['sleep', '*']] } } }));
  const env = new MockActivityEnvironment();
  let heartbeats = 0;
  env.on('heartbeat', () => heartbeats++);
  await env.run(hostCommand, { group: 'self', host: 'localhost', argv: ['sleep', '5.5'] });
  expect(heartbeats).toBeGreaterThanOrEqual(1);
});

test('a group over SSH must pin every host key, and is either ssh or local', () => {
  const zodProblems = (hosts: unknown) => {
    const parsed = configDefinition.schema.safeParse({ hosts });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  expect(zodProblems({ web: { hosts: ['a'], ssh: { user: 'root', keyFile: 'k', hostKeys: {} }, allow: [['true']] } })).toEqual(['hosts.web.ssh.hostKeys.a: pin the host key of a']);
  expect(zodProblems({ web: { hosts: ['a'], allow: [['true']] } })).toEqual(['hosts.web: give either ssh or local: true']);
});
