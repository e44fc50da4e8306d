// A throwaway MariaDB server to restore a backup into: a fresh folder of its own, a socket and no network port,
// root without a password over that socket. Always stopped and deleted after use; one that an earlier attempt left
// (the worker died) is found by its folder and removed before a new one starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import { programEnv, runTool, type MariadbTools } from './tools';

const startWithinMs = 60_000;

export class ScratchServer {
  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly tools: MariadbTools,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  private get socket(): string {
    return filesIn(this.dir).socket;
  }

  /** Installs and starts a server in <tmpdir>/mend-scratch-<name>, removing what an earlier one left there. */
  static async start(tools: MariadbTools, name: string, signal?: AbortSignal): Promise<ScratchServer> {
    const dir = join(tmpdir(), `mend-scratch-${name}`);
    await removeLeftover(dir);
    await mkdir(join(dir, 'tmp'), { recursive: true, mode: 0o700 });
    const common = ['--no-defaults', `--user=${userInfo().username}`, `--datadir=${dir}/data`, `--tmpdir=${dir}/tmp`];
    await runTool(tools.installDb, [...common, '--auth-root-authentication-method=normal', '--skip-test-db'], { signal }).catch(async (err) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    });
    const child = spawn(
      tools.server,
      [
        ...common,
        `--socket=${filesIn(dir).socket}`,
        `--pid-file=${filesIn(dir).pid}`,
        `--log-error=${filesIn(dir).log}`,
        '--skip-networking',
        '--innodb-buffer-pool-size=64M',
        '--max-allowed-packet=1G',
      ],
      { stdio: 'ignore', env: programEnv() },
    );
    child.once('error', () => undefined); // not started: waitUntilUp says so
    const server = new ScratchServer(dir, child, tools);
    try {
      await server.waitUntilUp(signal);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** A root connection over the socket. */
  connect(): Promise<Connection> {
    return createConnection({ socketPath: this.socket, user: 'root' });
  }

  /** Feeds a SQL file to the mariadb client; fails on the first statement that fails. */
  async load(file: string, signal?: AbortSignal): Promise<void> {
    const input = await open(file, 'r');
    try {
      await runTool(this.tools.client, ['--no-defaults', `--socket=${this.socket}`, '--user=root', '--batch', '--max-allowed-packet=1G'], {
        stdinFd: input.fd,
        signal,
      });
    } finally {
      await input.close();
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after 30 s) and deletes its folder. */
  async stop(): Promise<void> {
    if (this.running) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async waitUntilUp(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + startWithinMs;
    for (;;) {
      signal?.throwIfAborted();
      if (!this.running) throw new Error(`the scratch mariadbd is not running: ${await this.errorLogTail()}`);
      try {
        await (await this.connect()).end();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the scratch mariadbd did not answer within ${startWithinMs / 1000}s (${(err as Error).message}): ${await this.errorLogTail()}`);
      }
      await delay(100);
    }
  }

  private get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async errorLogTail(): Promise<string> {
    const log = await readFile(filesIn(this.dir).log, 'utf8').catch(() => '');
    return log.trim().split('\n').slice(-3).join(' | ');
  }
}

const filesIn = (dir: string) => ({ socket: join(dir, 'mariadbd.sock'), pid: join(dir, 'mariadbd.pid'), log: join(dir, 'mariadbd.err') });

/** Kills the server an earlier attempt started in `dir`, if it still runs, and deletes the folder. */
async function removeLeftover(dir: string): Promise<void> {
  const pid = Number(await readFile(filesIn(dir).pid, 'utf8').catch(() => ''));
  if (pid > 0 && runsIn(pid, dir)) {
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && runsIn(pid, dir); i++) await delay(100);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Whether `pid` is a live (not zombie) mariadbd whose data folder is in `dir`: a pid file alone could be stale. */
function runsIn(pid: number, dir: string): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--datadir=${dir}/data`);
  } catch {
    return false;
  }
}
