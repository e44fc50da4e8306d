// The DR checklist's data phase on a real MariaDB topology (dev server): a `mysql-backup-verify` item runs as a child
// incident, takes a backup of a replica and verifies it by a real restore; that restore marks the backup verified, and
// the next run, the shipped checklist (config/dr-checklist.yaml) end to end, computes its RPO from it. Before any
// verified backup, the RPO says there is none.
import { signalAs } from './helpers/approvals';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { BackupManifest } from '../runbooks/mysql/actions/backup-store';
import { loadChecklist, parseChecklist } from '../config/dr-load';
import { drChecklist } from '../workflows/dr-checklist';
import { drProgressQuery, type DrView } from '../workflows/dr-definitions';
import { mysqlConfig, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { startMend, type Mend } from './helpers/mend';
import { waitFor } from './helpers/wait';

let db: MariadbTopology;
let mend: Mend;
let backups: string;

beforeAll(async () => {
  db = await startMariadbTopology();
  backups = join(db.dir, 'backups');
  mend = await startMend({ mysql: mysqlConfig(db, 'default', { backup: { dir: backups, retain: 3 } }) });
  const root = await db.root(0);
  await root.query('CREATE TABLE appdb.accounts (id INT PRIMARY KEY, balance DECIMAL(10,2))');
  await root.query('INSERT INTO appdb.accounts VALUES (1, 10.00), (2, 20.50), (3, 0)');
  await root.end();
});
afterAll(async () => {
  await mend?.stop();
  await db?.stop();
});

const start = (items: unknown[]) =>
  mend.client.workflow.start(drChecklist, {
    taskQueue: mend.taskQueue,
    workflowId: `dr-test-${Date.now()}`,
    args: [{ checklist: parseChecklist({ name: 'DB DR', rto: '1h', rpo: { cluster: 'default' }, items }) }],
  });
const signOff = { id: 'sign-off', phase: 'validate', manual: true, title: 'Data checked by the owner' };

test('a backup restore-test item verifies a real backup; the next run, the shipped checklist end to end, takes its RPO from it', async () => {
  const first = await start([
    { id: 'servers', phase: 'services', title: 'The cluster answers', activity: 'mysqlServers', params: { cluster: 'default' } },
    {
      id: 'verify-integrity',
      phase: 'data',
      dependsOn: ['servers'],
      title: 'A backup restores with matching checksums',
      runbook: 'mysql-backup-verify',
      params: { cluster: 'default' },
    },
    { ...signOff, dependsOn: ['verify-integrity'] },
  ]);
  const before = await waitFor(async () => {
    const v = await first.query(drProgressQuery);
    return v.rpo ? v : undefined;
  }, 'the run to read its RPO');
  expect(before.rpo).toMatchObject({ cluster: 'default', detail: expect.stringMatching(/^no verified backup/) });
  expect(before.rpo!.seconds).toBeUndefined();

  const item = (v: DrView, id: string) => v.items.find((i) => i.id === id)!;
  const waiting = await waitFor(
    async () => {
      const v = await first.query(drProgressQuery);
      if (item(v, 'verify-integrity').status === 'failed') throw new Error(`verify-integrity failed: ${item(v, 'verify-integrity').error}`);
      return item(v, 'sign-off').status === 'awaiting-confirmation' ? v : undefined;
    },
    'the backup restore test to pass',
    110_000,
  );
  expect(item(waiting, 'verify-integrity')).toMatchObject({ status: 'done', result: 'incident recovered', childId: `${first.workflowId}/verify-integrity` });
  expect(Date.parse(item(waiting, 'verify-integrity').startedAt!)).toBeGreaterThanOrEqual(Date.parse(item(waiting, 'servers').endedAt!));

  // The restore marked the backup verified.
  const files = readdirSync(join(backups, 'default'));
  const verified = files.filter((f) => f.endsWith('.verified')).map((f) => f.slice(0, -'.verified'.length));
  expect(verified).toHaveLength(1);
  const manifest = JSON.parse(readFileSync(join(backups, 'default', `${verified[0]}.json`), 'utf8')) as BackupManifest;

  await signalAs(first, 'confirm', 'alice', { item: 'sign-off', note: 'balances match' });
  const outcome = await first.result();
  expect(outcome.rto.met).toBe(true);
  expect(outcome.report).toMatch(/\| `verify-integrity` .* \| runbook mysql-backup-verify \| done \| .*incident recovered/);
  expect(outcome.report).toMatch(/confirmed by alice at \S+: balances match/);

  // The next run is the shipped checklist, end to end: its RPO comes from that backup's position; its checks ask the
  // cluster, verify a fresh backup and call the UI's health endpoint.
  const checklist = loadChecklist();
  const ui = await healthEndpoint(8080);
  try {
    const second = await mend.client.workflow.start(drChecklist, { taskQueue: mend.taskQueue, workflowId: `dr-shipped-${Date.now()}`, args: [{ checklist }] });
    const manual = checklist.items.filter((i) => 'manual' in i).map((i) => i.id);
    const view = await waitFor(async () => {
      const v = await second.query(drProgressQuery);
      return v.rpo ? v : undefined;
    }, 'the second run to read its RPO');
    expect(view.rpo).toMatchObject({ cluster: 'default', backup: manifest.id, positionAt: manifest.positionAt });
    const expected = Math.round((Date.parse(view.startedAt) - Date.parse(manifest.positionAt)) / 1000);
    expect(view.rpo!.seconds).toBe(Math.max(0, expected));

    // Each manual item is confirmed once it is due (its dependencies done), as an operator would.
    const confirmed = new Set<string>();
    await waitFor(
      async () => {
        for (const i of (await second.query(drProgressQuery)).items) {
          if (i.status !== 'awaiting-confirmation' || confirmed.has(i.id)) continue;
          confirmed.add(i.id);
          await signalAs(second, 'confirm', 'bob', { item: i.id });
        }
        return (await second.describe()).status.name === 'COMPLETED';
      },
      'every manual item confirmed as it came due, and the run to end',
      150_000,
    );
    expect([...confirmed].sort()).toEqual([...manual].sort());
    const shipped = await second.result();
    expect(shipped).toMatchObject({ status: 'done', rto: { met: true } });
    const items = (await second.query(drProgressQuery)).items;
    expect(items.map((i) => [i.id, i.status])).toEqual(checklist.items.map((i) => [i.id, 'done']));
    expect(manual.length).toBeGreaterThan(10);
    expect(ui.requests()).toBeGreaterThanOrEqual(1);
  } finally {
    await ui.close();
  }
}, 240_000);

/** The UI's health endpoint the shipped checklist calls (GET /healthz → 200), on the port it names. */
async function healthEndpoint(port: number): Promise<{ requests(): number; close(): Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    res.writeHead(req.url === '/healthz' ? 200 : 404).end('ok');
  });
  await new Promise<void>((listening, failed) => server.once('error', failed).listen(port, '127.0.0.1', listening));
  return { requests: () => requests, close: () => new Promise((closed) => server.close(() => closed())) };
}
