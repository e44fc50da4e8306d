// The MariaDB programs the backup activities run (mariadb-dump, mariadb, mariadb-install-db, mariadbd): where they
// are, and running one to its end. Arguments never carry a password.
import { nonRetryable } from 'mend';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { basename, delimiter, join } from 'node:path';

export interface MariadbTools {
  dump: string;
  client: string;
  installDb: string;
  server: string;
}

/** Finds the programs in `binDir` when configured, else on PATH, then in /usr/sbin (where Debian puts mariadbd). */
export function findTools(binDir?: string): MariadbTools {
  const dirs = binDir ? [binDir] : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  const find = (name: string) => {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
    throw nonRetryable(`${name} not found in ${dirs.join(', ')} (Debian: apt-get install mariadb-server; or set mysql.<cluster>.backup.binDir)`);
  };
  return { dump: find('mariadb-dump'), client: find('mariadb'), installDb: find('mariadb-install-db'), server: find('mariadbd') };
}

/** The environment a program mend runs gets: PATH, HOME and `extra`, none of the worker's secrets. */
export function programEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...extra };
}

export interface RunOptions {
  /** Environment besides PATH and HOME (e.g. MYSQL_PWD). */
  env?: Record<string, string>;
  /** Open file descriptors for the program's standard input and output. */
  stdinFd?: number;
  stdoutFd?: number;
  signal?: AbortSignal;
}

/** Runs a program to its end; fails with the end of its stderr when it exits non-zero. Aborted, it fails once the program has exited. */
export function runTool(program: string, args: string[], options: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: programEnv(options.env),
      stdio: [options.stdinFd ?? 'ignore', options.stdoutFd ?? 'ignore', 'pipe'],
      signal: options.signal,
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
    let failure: Error | undefined;
    child.on('error', (err) => {
      failure = err;
      if (child.pid === undefined) reject(err); // it never started: nothing to wait for
    });
    child.on('close', (code, signal) => {
      if (failure) reject(failure);
      else if (code === 0) resolve();
      else reject(new Error(`${basename(program)} exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
