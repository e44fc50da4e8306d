// service-restart over real SSH (Debian's OpenSSH on loopback) on a real service under a real service manager
// (supervisord: systemd cannot be PID 1 in this sandbox, and the manager's commands are config).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, keyPair, startSshd, usePackTest, type Sshd } from 'mend/testing';

const dir = mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), 'services-pack-'));
const conf = join(dir, 'supervisord.conf');
const supervisorctl = (...args: string[]) => {
  try {
    return execFileSync('supervisorctl', ['-c', conf, ...args], { encoding: 'utf8' });
  } catch (err) {
    return (err as { stdout: string }).stdout; // status exits 3 when the program is not running
  }
};

let sshd: Sshd;
let port: number;

const pack = usePackTest(`${__dirname}/..`, {
  before: async () => {
    sshd = await startSshd();
    port = await freePort();
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
    await waitUntil(() => supervisorctl('status', 'shop').includes('RUNNING'));
    const ssh = { user: userInfo().username, port: sshd.port, keyFile: sshd.keyFile };
    const allow = [
      ['supervisorctl', '-c', conf, 'restart', '*'],
      ['supervisorctl', '-c', conf, 'status', '*'],
    ];
    return {
      core: {
        hosts: {
          web: { hosts: ['127.0.0.1'], ssh: { ...ssh, hostKeys: { '127.0.0.1': sshd.hostKey } }, allow },
          // The same host, pinned with a key it does not have: as if it had been replaced.
          moved: { hosts: ['127.0.0.1'], ssh: { ...ssh, hostKeys: { '127.0.0.1': keyPair(dir, 'other') } }, allow },
        },
        http: { shop: { url: `http://127.0.0.1:${port}` } },
      },
      services: { managers: { supervisor: { restart: ['supervisorctl', '-c', conf, 'restart', '{service}'], isActive: ['supervisorctl', '-c', conf, 'status', '{service}'] } } },
    };
  },
  after: async () => {
    supervisorctl('shutdown');
    await sshd?.stop();
  },
});

async function waitUntil(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const shopPid = () => Number(supervisorctl('pid', 'shop').trim());
const killShop = async () => {
  process.kill(shopPid(), 'SIGKILL');
  await waitUntil(() => supervisorctl('status', 'shop').includes('EXITED'));
};
const restart = (params: Record<string, unknown>) => pack.run('service-restart', { host: '127.0.0.1', manager: 'supervisor', ...params });

test('a service killed with kill -9 is restarted over SSH, and verified running and healthy', async () => {
  await killShop();
  const record = await restart({ group: 'web', service: 'shop', health: 'shop' });
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].steps.map((s) => [s.name, s.status])).toEqual([['restart shop on 127.0.0.1', 'done']]);
  expect(supervisorctl('status', 'shop')).toContain('RUNNING');
  expect(await (await fetch(`http://127.0.0.1:${port}/health`)).text()).toBe('ok');
});

test('a running, healthy service is left alone', async () => {
  const pid = shopPid();
  expect((await restart({ group: 'web', service: 'shop', health: 'shop' })).status).toBe('not-needed');
  expect(shopPid()).toBe(pid);
});

test('a changed host key: refused, and nothing runs on the host', async () => {
  await killShop();
  const record = await restart({ group: 'moved', service: 'shop', health: 'shop' });
  expect(record.attempts[0].status).toBe('failed');
  expect(record.attempts[0].reason).toMatch(/host key of 127\.0\.0\.1 is not the one pinned/);
  expect(supervisorctl('status', 'shop')).toContain('EXITED');
});

test('a service that cannot start goes to people with the evidence', async () => {
  const record = await restart({ group: 'web', service: 'broken' });
  expect(record.status).toBe('escalated');
  expect(record.attempts[0].status).toBe('needs-people');
  expect(record.attempts[0].reason).toMatch(/restarting broken on 127\.0\.0\.1 failed .*spawn error.*: alert people/s);
});
