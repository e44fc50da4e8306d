// The example pack in examples/services-pack, a team's pack with its own package.json depending on mend by path:
// its own tests (service-restart over real SSH on a real service manager) pass under `mend test`, its recorded
// history replays, and its routes take node_exporter's and Zabbix's "service is down" alerts. Its crash test runs in
// crash-example-pack.test.ts.
import { join } from 'node:path';
import { parseConfig } from '../config/load';
import { routerFor } from '../gateway/routes';
import { alertSources } from '../gateway/sources';
import { alertmanagerPayload } from './fixtures/alerts';
import { examplePackCli } from './helpers/cli';
import { root } from './helpers/processes';

const pack = join(root, 'examples', 'services-pack');

test('its tests pass under mend test and its recorded history replays', async () => {
  const tested = await examplePackCli('test', '.', '--', '--ci');
  expect(tested.stderr).toMatch(/Tests: {7}4 passed, 4 total/);
  expect((await examplePackCli('replay', '.')).stdout).toContain('1 of 1 histories replay');
}, 300_000);

test("its routes restart a crashed systemd unit and a Zabbix process that is not running, on the host's group", () => {
  const hosts = { web: { hosts: ['10.1.0.7', 'web2'], local: true, allow: [['true']] } };
  const router = routerFor(parseConfig({ packs: [pack], core: { hosts } }, 'inline', {}));
  const route = (source: 'alertmanager' | 'zabbix', payload: unknown) => {
    const { source: reader } = alertSources[source];
    const parsed = reader.parse(payload);
    if (!parsed.success) throw parsed.error;
    return router.plan(reader.alerts(parsed.data, new Date())).incidents.map((i) => [i.route, i.params, i.target]);
  };
  const crashed = alertmanagerPayload([{ labels: { alertname: 'HostSystemdServiceCrashed', instance: '10.1.0.7:9100', name: 'nginx.service', state: 'failed' } }]);
  expect(route('alertmanager', crashed)).toEqual([
    ['services/systemd-service-failed', { group: 'web', host: '10.1.0.7', service: 'nginx.service' }, 'service/web/10.1.0.7/nginx.service'],
  ]);
  const zabbix = {
    eventId: '4711',
    status: 'problem',
    name: 'Process shop is not running',
    severity: 4,
    host: 'web2',
    startsAt: '2026-12-04T10:00:00Z',
    tags: [{ tag: 'service', value: 'shop' }],
  };
  expect(route('zabbix', zabbix)).toEqual([['services/zabbix-process-not-running', { group: 'web', host: 'web2', service: 'shop' }, 'service/web/web2/shop']]);
});
