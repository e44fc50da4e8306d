// A real OpenSSH server on loopback for a pack's tests (`mend/testing`): Debian's sshd, installed by mend's own
// scripts, a generated host key, and a key pair mend logs in with, as the user running the tests (key login only).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopProcess, waitForPort } from '../common/processes';
import { provisioned } from '../common/provisioned';

export interface Sshd {
  port: number;
  /** The host's public key as core.hosts pins it: "ssh-ed25519 AAAA...". */
  hostKey: string;
  /** mend's private key. */
  keyFile: string;
  stop(): Promise<void>;
}

/** A fresh ed25519 key pair `name` in `dir`; returns the public key as "<type> <base64>". */
export function keyPair(dir: string, name: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  return readFileSync(join(dir, `${name}.pub`), 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
}

export async function startSshd(dir = mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), 'sshd-'))): Promise<Sshd> {
  const sshd = provisioned('sshd', 'SSHD_BIN');
  const hostKey = keyPair(dir, 'host_key');
  writeFileSync(join(dir, 'authorized_keys'), `${keyPair(dir, 'mend_key')}\n`, { mode: 0o600 });
  const port = await freePort();
  const options = [
    `ListenAddress=127.0.0.1:${port}`,
    `HostKey=${join(dir, 'host_key')}`,
    `AuthorizedKeysFile=${join(dir, 'authorized_keys')}`,
    `PidFile=${join(dir, 'sshd.pid')}`,
    'StrictModes=no',
    'PasswordAuthentication=no',
    'KbdInteractiveAuthentication=no',
    'UsePAM=no',
    'LogLevel=ERROR',
  ];
  const child = spawn(sshd, ['-D', '-e', '-f', '/dev/null', ...options.flatMap((o) => ['-o', o])], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, 10_000, 'sshd').catch(async (err) => {
    await stopProcess(child);
    throw err;
  });
  return { port, hostKey, keyFile: join(dir, 'mend_key'), stop: () => stopProcess(child) };
}
