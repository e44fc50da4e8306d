// service-restart under mend's crash harness (`mend test . --crash`): the worker is killed by SIGKILL after each of
// the runbook's activities and during its timers, and a fresh worker takes over. Every run must recover as the clean
// run does and start the shop once, as supervisord's own log counts it.
import { expectLikeClean, inRunbook, usePackCrashTest } from 'mend/testing';
import { supervisedShop } from './supervised-shop';

const shop = supervisedShop();
const pack = usePackCrashTest(`${__dirname}/..`, shop.options);

test('a crashed service is started once however the worker dies', async () => {
  const params = { group: 'web', host: '127.0.0.1', manager: 'supervisor', service: 'shop', health: 'shop', settle: '1s' };
  const report = await pack.crash('service-restart', params, {
    reset: () => shop.kill(),
    count: async () => ({ starts: shop.starts(), running: Number(shop.supervisorctl('status', 'shop').includes('RUNNING')) }),
    points: inRunbook, // the incident's own points are mend's, tried in mend's suite
  });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { starts: 1, running: 1 } });
  expectLikeClean(report);
}, 600_000);
