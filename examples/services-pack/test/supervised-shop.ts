// What the pack's tests act on: a small web service, "shop", run by a real service manager (supervisord: systemd
// cannot be PID 1 in this sandbox, and the manager's commands are config), reached over real SSH (Debian's OpenSSH
// on loopback); and the config sections that point the pack at them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, keyPair, type PackTestOptions, startSshd, waitFor } from 'mend/testing';

export interface SupervisedShop {
  /** shop's HTTP port (GET /health answers "ok"). */
  port: number;
  supervisorctl(...args: string[]): string;
  pid(): number;
  /** kill -9 of the shop; resolves once supervisord sees it exited (it does not restart it by itself). */
  kill(): Promise<void>;
  /** Times supervisord has started the shop, from its own log. */
  starts(): number;
  /** Config sections: host groups `web` and `moved` (a pinned key the host does not have), endpoint `shop`, manager `supervisor`. */
  sections: Record<string, unknown>;
  stop(): Promise<void>;
}

/** The shop for a test file: `options` start it before the pack's tests (its config sections) and stop it after. */
export function supervisedShop(): SupervisedShop & { options: PackTestOptions } {
  let running: SupervisedShop | undefined;
  const shop = () => {
    if (!running) throw new Error('the shop is not running (use it inside a test)');
    return running;
  };
  return {
    get port() {
      return shop().port;
    },
    get sections() {
      return shop().sections;
    },
    supervisorctl: (...args) => shop().supervisorctl(...args),
    pid: () => shop().pid(),
    kill: () => shop().kill(),
    starts: () => shop().starts(),
    stop: () => shop().stop(),
    options: {
      before: async () => (running = await startSupervisedShop()).sections,
      after: () => running?.stop(),
    },
  };
}

async function startSupervisedShop(): Promise<SupervisedShop> {
  const dir = mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), 'services-pack-'));
  const conf = join(dir, 'supervisord.conf');
  const supervisorctl = (...args: string[]) => {
    try {
      return execFileSync('supervisorctl', ['-c', conf, ...args], { encoding: 'utf8' });
    } catch (err) {
      return (err as { stdout: string }).stdout; // status exits 3 when the program is not running
    }
  };
  const sshd = await startSshd();
  const port = await freePort();
  const shop = `require('http').createServer((q, s) => s.end(q.url === '/health' ? 'ok' : '')).listen(${port}, '127.0.0.1')`;
  writeFileSync(
    conf,
    [
      `[unix_http_server]\nfile=${dir}/supervisor.sock`,
      `[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid`,
      '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface',
      `[supervisorctl]\nserverurl=unix://${dir}/supervisor.sock`,
      `[program:shop]\ncommand=${process.execPath} -e "${shop}"\nautorestart=false\nstartsecs=1`,
      "[program:broken]\ncommand=sh -c 'echo cannot bind its port >&2; exit 1'\nautostart=false\nautorestart=false\nstartretries=0\nstartsecs=1",
    ].join('\n\n'),
  );
  execFileSync('supervisord', ['-c', conf]);
  await waitFor(async () => supervisorctl('status', 'shop').includes('RUNNING'), 'supervisord to run the shop');
  const ssh = { user: userInfo().username, port: sshd.port, keyFile: sshd.keyFile };
  const allow = [
    ['supervisorctl', '-c', conf, 'restart', '*'],
    ['supervisorctl', '-c', conf, 'status', '*'],
  ];
  const pid = () => Number(supervisorctl('pid', 'shop').trim());
  return {
    port,
    supervisorctl,
    pid,
    kill: async () => {
      // `pid` says 0 for a program that is not running, and kill(0) would signal this whole process group.
      const running = pid();
      if (running > 0) process.kill(running, 'SIGKILL');
      await waitFor(async () => !supervisorctl('status', 'shop').includes('RUNNING'), 'the shop to be down');
    },
    starts: () => readFileSync(join(dir, 'supervisord.log'), 'utf8').split("spawned: 'shop'").length - 1,
    sections: {
      core: {
        hosts: {
          web: { hosts: ['127.0.0.1'], ssh: { ...ssh, hostKeys: { '127.0.0.1': sshd.hostKey } }, allow },
          // The same host, pinned with a key it does not have: as if it had been replaced.
          moved: { hosts: ['127.0.0.1'], ssh: { ...ssh, hostKeys: { '127.0.0.1': keyPair(dir, 'other') } }, allow },
        },
        http: { shop: { url: `http://127.0.0.1:${port}` } },
      },
      services: { managers: { supervisor: { restart: ['supervisorctl', '-c', conf, 'restart', '{service}'], isActive: ['supervisorctl', '-c', conf, 'status', '{service}'] } } },
    },
    stop: async () => {
      supervisorctl('shutdown');
      await sshd.stop();
    },
  };
}
