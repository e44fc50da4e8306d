// The README's run command: scripts/stack.sh starts Temporal + UI, Redis, MariaDB, the shop, the worker and the gateway; an alert
// posted to the gateway opens an incident; Ctrl-C stops them all; a restart on the same data keeps every incident.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from './helpers/processes';
import { monitoringPorts, useStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

const stack = useStack();
const { cli, ctrlC, said } = stack;

test('start, use, stop with Ctrl-C, restart: the incident is still there', async () => {
  const { ports, data } = stack;
  const first = stack.start();
  await said(first, 'the stack', ['mend is running', 'mend worker ready', 'shop ready on', 'monitoring ready'], 300_000);
  const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
  expect(ui.status).toBe(200);
  expect(await portOpen(ports.redis)).toBe(true);
  // The shop reads its products from the topology's writer through the cache.
  const product = await fetch(`http://127.0.0.1:${ports.shop}/products/1`);
  expect({ status: product.status, body: await product.json() }).toEqual({ status: 200, body: { id: 1, name: 'product 1', price: '2.00' } });

  const started = await cli('run', 'redis-memory-relief', '--param', 'pattern=session:*', '--dry-run', '--id', 'stack-dry-run');
  expect(started.stdout).toContain('started incident stack-dry-run');
  await waitFor(async () => (await cli('status', 'stack-dry-run')).stdout.includes(': not-needed'), 'the incident to finish');

  // The MariaDB topology is up and mend reads it with its own account: every replica is healthy.
  await cli('run', 'mysql-replication-repair', '--id', 'stack-mysql');
  await waitFor(async () => (await cli('status', 'stack-mysql')).stdout.includes('incident stack-mysql on mysql/default: not-needed'), 'the MariaDB check');

  const token = readFileSync(join(data, 'gateway-token'), 'utf8');
  const alert = await fetch(`http://127.0.0.1:${ports.gateway}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ labels: { alertname: 'RedisMemoryHigh', redis: 'default' }, annotations: { expendable_keys: 'session:*' } }),
  });
  expect(alert.status).toBe(202);
  const [opened] = ((await alert.json()) as { incidents: { incidentId: string }[] }).incidents;
  expect(opened).toMatchObject({ runbook: 'redis-memory-relief', target: 'redis/default' });
  await waitFor(async () => (await cli('status', opened.incidentId)).stdout.includes(': not-needed'), "the alert's incident to run");

  expect(await ctrlC(first)).toBe(0);
  const monitoring = Array.from({ length: monitoringPorts }, (_, i) => ports.monitoring + i);
  for (const port of [...Object.values(ports), ports.mysql + 1, ports.mysql + 2, ...monitoring]) expect({ port, open: await portOpen(port) }).toEqual({ port, open: false });

  const second = stack.start();
  await said(second, 'the restarted stack', ['mend worker ready', 'shop ready on', 'monitoring ready'], 300_000);
  // The restarted servers came back read-only; the writer took writes again: the shop's orders are acknowledged.
  const order = await fetch(`http://127.0.0.1:${ports.shop}/orders`, { method: 'POST', body: JSON.stringify({ productId: 1, quantity: 1 }) });
  expect(order.status).toBe(201);
  const status = await cli('status', 'stack-dry-run');
  expect(status.stdout).toContain('incident stack-dry-run on redis/default: not-needed');
  expect((await cli('incidents', '--json')).stdout).toContain('stack-dry-run');
  expect(await ctrlC(second)).toBe(0);
}, 600_000);
