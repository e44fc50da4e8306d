// Runs an allowed command on a host of a configured group: an argv (never a shell string) matched against the group's
// allowlist, over SSH with the host's key pinned (a changed key is refused before anything runs), or on the worker's
// own host. A timeout kills the command where it runs. Exit code and output excerpts are recorded.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nonRetryable, toMs, type Duration } from 'mend';
import { heartbeating } from 'mend/node';
import { commandWord, type CoreConfig, type HostGroup } from '../config';
import { redactedExcerpt } from './redact';

export interface HostCommandInput {
  group: string;
  host: string;
  argv: string[];
  /** Exit codes that count as success; default [0]. */
  okExit?: number[];
  /** A check run first (allowlisted too): when it exits 0 the command is already done and does not run (a retry after a crash). */
  unless?: string[];
  /** Default: the group's timeout. */
  timeout?: Duration;
  dryRun?: boolean;
}

export interface HostCommandResult {
  group: string;
  host: string;
  argv: string[];
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  ms?: number;
  planned?: boolean;
  /** Why the command did not run: its `unless` check passed. */
  skipped?: string;
}

const excerptLength = 1000;
/** The exit codes of a command coreutils' timeout stopped (124) or had to kill (137), and ours when we killed it. */
const timedOut = [124, 137];
/** All a local command sees of the worker's environment: never its secrets. */
const localEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' });

export function hostCommandActivities(config: CoreConfig) {
  return {
    async hostCommand(input: HostCommandInput): Promise<HostCommandResult> {
      const { group: name, host, argv, okExit = [0], dryRun } = input;
      const group = config.hosts[name];
      if (!group) throw nonRetryable(`no host group "${name}" under core.hosts (known: ${Object.keys(config.hosts).join(', ') || 'none'})`);
      if (!group.hosts.includes(host)) throw nonRetryable(`${host} is not a host of group ${name}`);
      for (const words of input.unless ? [argv, input.unless] : [argv]) {
        if (!allowed(group, words)) throw nonRetryable(`${JSON.stringify(words)} is not allowed on group ${name}: nothing was run`);
      }
      if (dryRun) return { group: name, host, argv, planned: true };
      const seconds = Math.max(1, Math.ceil(toMs(input.timeout ?? group.timeout) / 1000));
      const started = Date.now();
      const exec = (words: string[]) => heartbeating((cancelled) => (group.ssh ? overSsh(group, host, words, seconds, cancelled) : locally(words, seconds, cancelled)));
      if (input.unless && (await exec(input.unless)).exitCode === 0) {
        return { group: name, host, argv, skipped: `${input.unless.join(' ')} exited 0: already done`, ms: Date.now() - started };
      }
      const run = await exec(argv);
      const result = { group: name, host, argv, ...run, ms: Date.now() - started };
      if (group.ssh && run.exitCode === 255 && /host key|IDENTIFICATION HAS CHANGED/i.test(run.stderr)) {
        throw nonRetryable(`the host key of ${host} is not the one pinned in core.hosts.${name}.ssh.hostKeys: nothing was run`, result);
      }
      if (timedOut.includes(run.exitCode)) throw new Error(`${argv.join(' ')} on ${host} did not finish within ${seconds}s and was killed`);
      if (!okExit.includes(run.exitCode)) {
        throw new Error(`${argv.join(' ')} on ${host} exited ${run.exitCode}: ${(run.stderr || run.stdout).trim().slice(0, 300)}`);
      }
      return result;
    },
  };
}

/** The argv matches one allowed pattern word for word; "*" matches one plain word. */
export function allowed(group: HostGroup, argv: string[]): boolean {
  return group.allow.some((pattern) => pattern.length === argv.length && pattern.every((p, i) => (p === '*' ? commandWord.test(argv[i]) : p === argv[i])));
}

interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the argv on the worker's host, without a shell; past the timeout its process group is killed. */
function locally(argv: string[], seconds: number, cancelled: AbortSignal): Promise<Ran> {
  return collect(spawn(argv[0], argv.slice(1), { detached: true, env: localEnv(), stdio: ['ignore', 'pipe', 'pipe'] }), seconds * 1000, true, cancelled);
}

/**
 * Runs the argv on the host over SSH: key login, the host's pinned key as the only known one, no agent, no
 * forwarding. The remote side runs it under `timeout`, so the command dies there too; each word is quoted, so the
 * remote shell sees no syntax of ours.
 */
async function overSsh(group: HostGroup, host: string, argv: string[], seconds: number, cancelled: AbortSignal): Promise<Ran> {
  const ssh = group.ssh!;
  const dir = mkdtempSync(join(tmpdir(), 'mend-ssh-'));
  try {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `${ssh.port === 22 ? host : `[${host}]:${ssh.port}`} ${ssh.hostKeys[host]}\n`, { mode: 0o600 });
    const remote = ['timeout', '-k', '2', String(seconds), ...argv].map(quote).join(' ');
    const options = [
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      `UserKnownHostsFile=${knownHosts}`,
      'GlobalKnownHostsFile=/dev/null',
      'ConnectTimeout=5',
      'IdentitiesOnly=yes',
      'ForwardAgent=no',
      'ClearAllForwardings=yes',
    ];
    const args = ['-F', '/dev/null', '-T', '-i', ssh.keyFile, '-p', String(ssh.port), ...options.flatMap((o) => ['-o', o]), `${ssh.user}@${host}`, '--', remote];
    return await collect(spawn('ssh', args, { env: localEnv(), stdio: ['ignore', 'pipe', 'pipe'] }), (seconds + 10) * 1000, false, cancelled);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Its exit code and output (secrets hidden, cut to an excerpt); killed past the limit, or when the activity is cancelled. */
function collect(child: ReturnType<typeof spawn>, limitMs: number, group: boolean, cancelled: AbortSignal): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout = (stdout + d).slice(0, 4 * excerptLength)));
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(0, 4 * excerptLength)));
  const kill = () => {
    try {
      if (group) process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(kill, limitMs);
  cancelled.addEventListener('abort', kill);
  const done = () => {
    clearTimeout(timer);
    cancelled.removeEventListener('abort', kill);
  };
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      done();
      reject(nonRetryable(`cannot run ${child.spawnfile}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      done();
      const excerpt = (text: string) => redactedExcerpt(text, excerptLength);
      resolve({ exitCode: code ?? (signal === 'SIGKILL' ? timedOut[1] : 128), stdout: excerpt(stdout), stderr: excerpt(stderr) });
    });
  });
}
