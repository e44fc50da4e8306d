// service-restart over real SSH (Debian's OpenSSH on loopback) on a real service under a real service manager
// (test/supervised-shop.ts).
import { usePackTest } from 'mend/testing';
import { supervisedShop } from './supervised-shop';

const shop = supervisedShop();
const pack = usePackTest(`${__dirname}/..`, shop.options);

const restart = (params: Record<string, unknown>) => pack.run('service-restart', { host: '127.0.0.1', manager: 'supervisor', ...params });

test('a service killed with kill -9 is restarted over SSH, and verified running and healthy', async () => {
  await shop.kill();
  const record = await restart({ group: 'web', service: 'shop', health: 'shop' });
  expect(record.status).toBe('recovered');
  expect(record.attempts[0].steps.map((s) => [s.name, s.status])).toEqual([['restart shop on 127.0.0.1', 'done']]);
  expect(shop.supervisorctl('status', 'shop')).toContain('RUNNING');
  expect(await (await fetch(`http://127.0.0.1:${shop.port}/health`)).text()).toBe('ok');
});

test('a running, healthy service is left alone', async () => {
  const pid = shop.pid();
  expect((await restart({ group: 'web', service: 'shop', health: 'shop' })).status).toBe('not-needed');
  expect(shop.pid()).toBe(pid);
});

test('a changed host key: refused, and nothing runs on the host', async () => {
  await shop.kill();
  const record = await restart({ group: 'moved', service: 'shop', health: 'shop' });
  expect(record.attempts[0].status).toBe('failed');
  expect(record.attempts[0].reason).toMatch(/host key of 127\.0\.0\.1 is not the one pinned/);
  expect(shop.supervisorctl('status', 'shop')).toContain('EXITED');
});

test('a service that cannot start goes to people with the evidence', async () => {
  const record = await restart({ group: 'web', service: 'broken' });
  expect(record.status).toBe('escalated');
  expect(record.attempts[0].status).toBe('needs-people');
  expect(record.attempts[0].reason).toMatch(/restarting broken on 127\.0\.0\.1 failed .*spawn error.*: alert people/s);
});
