// Records one history per workflow type and runbook outcome into test/histories/ for the replay test.
// Run after a deliberate, compatible workflow change: `npm run record-histories`. Not part of the suite.
// Histories already recorded are kept (they prove old runs still replay); MEND_RECORD_ALL=1 records them anew.
import './setup/approval-key';
import { attested, decideAs, signalAs } from './helpers/approvals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { IncidentInput, RecoveryRecord } from '../common/types';
import { guardWorkflowId, incidentStatusQuery } from '../workflows/definitions';
import { drProgressQuery } from '../workflows/dr-definitions';
import { drChecklist } from '../workflows/dr-checklist';
import { parseChecklist } from '../config/dr-load';
import { startReadLoad, startSourceOfTruth } from './helpers/cache-app';
import { startGateway } from './helpers/gateway';
import { awaitApproval } from './helpers/incident';
import { fillNearMaxmemory, redisClient, startMend, type Mend } from './helpers/mend';
import { crashLoop, crashLoopsIn, deployApp, kubeApis } from './helpers/kube';
import { kill9, mysqlConfig, promotedIn, startMariadbTopology, type MariadbTopology } from './helpers/mariadb';
import { root, startDevServer, startKubeCluster, startRedis } from './helpers/processes';
import { waitFor } from './helpers/wait';

const dir = join(root, 'test', 'histories');
// Binary protobuf: exact, and free of the JSON helpers' protobufjs version clash.
const encode = (h: temporal.api.history.v1.IHistory) => temporal.api.history.v1.History.encode(h).finish();

/** File name → workflow id: replay must use the id the history was recorded under. */
const indexFile = join(dir, 'index.json');
const index: Record<string, string> = existsSync(indexFile) && !process.env.MEND_RECORD_ALL ? JSON.parse(readFileSync(indexFile, 'utf8')) : {};
const recorded = (name: string) => `${name}.incident.pb` in index;

async function save(mend: Mend, name: string, handle: WorkflowHandle): Promise<void> {
  await handle.result();
  const { runbookWorkflowId, target } = await handle.query(incidentStatusQuery);
  const ids = [handle.workflowId, ...(runbookWorkflowId ? [runbookWorkflowId] : [])];
  const write = async (file: string, id: string) => {
    writeFileSync(join(dir, file), encode(await mend.client.workflow.getHandle(id).fetchHistory()));
    index[file] = id;
  };
  for (const [i, id] of ids.entries()) await write(`${name}${i ? '.runbook' : '.incident'}.pb`, id);
  if (!handle.workflowId.includes('dry')) await write(`${name}.guard.pb`, guardWorkflowId(target));
  console.log(`recorded ${name}`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  mkdirSync(dir, { recursive: true });
  const temporal = await startDevServer();
  process.env.MEND_TEST_TEMPORAL = temporal.address;
  const server = await startRedis();
  const redis = redisClient(server.url);
  const kube = await startKubeCluster(mkdtempSync(join(tmpdir(), 'mend-record-')), 'mend-record');
  const db = await startMariadbTopology();
  const [flapping, planned] = [await startMariadbTopology(), await startMariadbTopology()];
  // Failed over with the dead primary confirmed in one activity (the runbook's change confirm-dead-at-once).
  const atOnce = await startMariadbTopology();
  // One cluster name per scenario on the planned topology: each has a guard (and budget) of its own.
  const mysql = {
    ...mysqlConfig(db),
    ...mysqlConfig(atOnce, 'at-once'),
    ...mysqlConfig(flapping, 'flapping', { blockAfterFailover: '1h' }),
    ...Object.assign({}, ...mysqlScenarios.map((name) => mysqlConfig(planned, name, { backup: { dir: join(planned.dir, 'backups') } }))),
  };
  const mend = await startMend({ redisUrl: server.url, kubeconfig: kube.kubeconfig, mysql });
  const source = await startSourceOfTruth(100);
  const run = (input: IncidentInput) => mend.start(input);
  const gateway = await startGateway(mend.config, {
    routes: [
      {
        matchers: ['alertname="RedisMemoryHigh"'],
        runbook: 'redis-memory-relief',
        params: { redis: '{{ labels.redis }}', pattern: 'session:*', stabilize: '1s' },
      },
    ],
  });
  /** An incident the gateway opens for a generic alert; `resolve` sends its resolution. */
  const alert = async (severity: string) => {
    const body = { labels: { alertname: 'RedisMemoryHigh', redis: mend.redisName(), severity }, startsAt: new Date().toISOString() };
    const { body: reply } = await gateway.post('/alerts', body);
    const handle = mend.client.workflow.getHandle(reply.incidents[0].incidentId);
    return { handle, resolve: () => gateway.post('/alerts', { ...body, status: 'resolved' }) };
  };
  try {
    // The second opened with one activity (patch incident-opens-in-one-call).
    for (const name of ['alert-recovered-resolved', 'alert-recovered-resolved-one-call'].filter((n) => !recorded(n))) {
      await fillNearMaxmemory(redis);
      const { handle, resolve } = await alert('warning');
      await waitFor(async () => (await handle.query(incidentStatusQuery)).record, 'the alert incident to recover');
      await resolve();
      await save(mend, name, handle);
    }
    if (!recorded('alert-stood-down')) {
      await fillNearMaxmemory(redis);
      const { handle, resolve } = await alert('critical');
      await awaitApproval(mend.client, handle);
      await resolve();
      await waitFor(async () => (await handle.query(incidentStatusQuery)).alerts?.firing === false, 'the resolution');
      const { runbookWorkflowId } = await handle.query(incidentStatusQuery);
      await decideAs(mend.client.workflow.getHandle(runbookWorkflowId!), 'alice');
      await save(mend, 'alert-stood-down', handle);
    }
    if (!recorded('approval-authenticated')) {
      // Operators' signals authenticated from history (patch operators-authenticated): started by hand as bob (the
      // gateway's attested start), a plain signal naming alice and bob's own approval refused, alice's counted.
      await fillNearMaxmemory(redis);
      const id = `incident-authenticated-${Date.now()}`;
      const input: IncidentInput = { runbook: 'redis-memory-relief', severity: 'critical', params: { redis: mend.redisName(), pattern: 'session:*' } };
      const handle = await mend.start(attested(id, 'start', 'bob', input), id);
      await awaitApproval(mend.client, handle);
      await handle.signal('approve', { by: 'alice' });
      await decideAs(handle, 'bob');
      await decideAs(handle, 'alice', { comment: 'recording' });
      await save(mend, 'approval-authenticated', handle);
    }
    await recordKubernetes(mend, kube.kubeconfig);
    if (!recorded('mysql-primary-failover-recovered')) {
      kill9(db, 0);
      await save(mend, 'mysql-primary-failover-recovered', await run({ runbook: 'mysql-primary-failover', severity: 'warning', params: {} }));
    }
    if (!recorded('mysql-primary-failover-at-once')) {
      kill9(atOnce, 0);
      await save(mend, 'mysql-primary-failover-at-once', await run({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'at-once' } }));
    }
    await recordMysql(mend, flapping, planned);
    await recordDrChecklist(mend);
    if (recorded('cache-warmup-recovered')) return;
    await redis.flushall();
    const reader = redisClient(server.url);
    const load = startReadLoad(reader, 100);
    await save(
      mend,
      'cache-warmup-recovered',
      await run({
        runbook: 'cache-warmup',
        severity: 'warning',
        params: { redis: mend.redisName(), source: source.url, hotKeys: 100, sample: '1s', stabilize: '1s' },
      }),
    );
    await load.stop();
    reader.disconnect();

    await fillNearMaxmemory(redis);
    const approved = await run({
      runbook: 'redis-memory-relief',
      severity: 'critical',
      params: { redis: mend.redisName(), pattern: 'session:*', maxmemoryBytes: 64 << 20, below: 0.0001, stabilize: '1s', verifyWithin: '2s' },
    });
    await awaitApproval(mend.client, approved);
    await decideAs(approved, 'mallory');
    await decideAs(approved, 'alice', { comment: 'recording' });
    await save(mend, 'redis-memory-relief-approved-undone', approved);

    await save(
      mend,
      'redis-memory-relief-dry-run',
      await mend.start(
        {
          runbook: 'redis-memory-relief',
          severity: 'warning',
          dryRun: true,
          params: { redis: mend.redisName(), pattern: 'session:*' },
        },
        `dry-run-${Date.now()}`,
      ),
    );

    await save(
      mend,
      'redis-flush-cache-refused',
      await run({
        runbook: 'redis-flush-cache',
        severity: 'warning',
        params: { redis: mend.redisName() },
      }),
    );
  } finally {
    writeFileSync(indexFile, `${JSON.stringify(index, null, 2)}\n`);
    await gateway.close();
    await mend.stop();
    await source.close();
    redis.disconnect();
    await server.stop();
    await Promise.all([temporal.stop(), kube.stop(), db.stop(), flapping.stop(), planned.stop(), atOnce.stop()]);
  }
}

/** One history per Kubernetes runbook, on a kwok cluster: pod restart, a rollout undo chosen by diagnosis, ... */
async function recordKubernetes(mend: Mend, kubeconfig: string): Promise<void> {
  const { core, apps } = kubeApis(kubeconfig);
  const namespace = `record-${Date.now()}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const incident = (runbook: string, params: Record<string, unknown>, severity: IncidentInput['severity'] = 'warning') =>
    mend.start({ runbook, severity, params: { namespace, stableFor: '1s', ...params } });
  const crashingPod = async (name: string) => {
    await deployApp(apps, namespace, name, 2);
    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
    await crashLoop(core, pod);
    return pod.metadata!.name!;
  };
  if (!recorded('k8s-pod-restart-recovered')) {
    await save(mend, 'k8s-pod-restart-recovered', await incident('k8s-pod-restart', { pod: await crashingPod('web') }));
  }
  if (!recorded('k8s-rollout-undo-chosen')) {
    await deployApp(apps, namespace, 'api', 2);
    const d = await apps.readNamespacedDeployment({ namespace, name: 'api' });
    d.spec!.template.metadata!.labels!.version = '2';
    await apps.replaceNamespacedDeployment({ namespace, name: 'api', body: d });
    const crashes = crashLoopsIn(core, namespace, 'app=api,version=2');
    const pod = await waitFor(async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=api,version=2' })).items;
      return pods.find((p) => p.status?.containerStatuses?.[0].state?.waiting && !p.metadata?.deletionTimestamp);
    }, 'revision 2 to crash-loop');
    await save(mend, 'k8s-rollout-undo-chosen', await incident('k8s-pod-restart', { pod: pod.metadata!.name }));
    await crashes.stop();
  }
  if (!recorded('k8s-scale-up-recovered')) {
    await deployApp(apps, namespace, 'scaled', 1);
    await save(mend, 'k8s-scale-up-recovered', await incident('k8s-scale-up', { deployment: 'scaled' }));
  }
  if (!recorded('k8s-rollout-restart-recovered')) {
    await deployApp(apps, namespace, 'restarted', 1);
    await save(mend, 'k8s-rollout-restart-recovered', await incident('k8s-rollout-restart', { deployment: 'restarted' }));
  }
  if (!recorded('k8s-node-drain-approved')) {
    await deployApp(apps, namespace, 'drained', 2);
    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: 'app=drained' })).items;
    const drain = await incident('k8s-node-drain', { node: pod.spec!.nodeName });
    await awaitApproval(mend.client, drain);
    await decideAs(drain, 'alice', { comment: 'recording' });
    await save(mend, 'k8s-node-drain-approved', drain);
  }
}

const mysqlScenarios = ['switchover', 'repair', 'surge', 'backup'];

/** A DR checklist run: two automated items in parallel, then a manual one an approver confirms. */
async function recordDrChecklist(mend: Mend): Promise<void> {
  const file = 'dr-checklist-completed.dr.pb';
  if (file in index) return;
  const checklist = parseChecklist({
    name: 'recording',
    rto: '1h',
    items: [
      { id: 'db-a', phase: 'services', title: 'the database answers', activity: 'mysqlServers', params: { cluster: 'switchover' } },
      { id: 'db-b', phase: 'services', title: 'so does the other view of it', activity: 'mysqlServers', params: { cluster: 'repair' } },
      { id: 'validate', phase: 'validate', title: 'the UI works', manual: true, dependsOn: ['db-a', 'db-b'] },
    ],
  });
  const id = `dr-record-${Date.now()}`;
  const run = await mend.client.workflow.start(drChecklist, { taskQueue: mend.taskQueue, workflowId: id, args: [{ checklist }] });
  await waitFor(async () => (await run.query(drProgressQuery)).items.find((i) => i.id === 'validate')?.status === 'awaiting-confirmation', 'the manual item');
  await signalAs(run, 'confirm', 'alice', { item: 'validate', note: 'recording' });
  await run.result();
  writeFileSync(join(dir, file), encode(await run.fetchHistory()));
  index[file] = id;
  console.log('recorded dr-checklist-completed');
}

/**
 * The database runbooks: a failover inside the block window of an earlier one, lifted by an approver; and on a
 * healthy topology a switchover, a replication repair, a connection surge and a backup verification.
 */
async function recordMysql(mend: Mend, flapping: MariadbTopology, planned: MariadbTopology): Promise<void> {
  if (!recorded('mysql-primary-failover-block-lifted')) {
    kill9(flapping, 0);
    const first: RecoveryRecord = await (await mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'flapping' } })).result();
    const promoted = promotedIn(first);
    kill9(flapping, flapping.nodes.indexOf(promoted));
    const second = await mend.start({ runbook: 'mysql-primary-failover', severity: 'warning', params: { cluster: 'flapping' } });
    await awaitApproval(mend.client, second);
    await signalAs(mend.client.workflow.getHandle(guardWorkflowId('mysql/flapping')), 'override', 'alice', { reason: 'recording' });
    await save(mend, 'mysql-primary-failover-block-lifted', second);
  }
  if (!recorded('mysql-switchover-approved')) {
    const switchover = await mend.start({ runbook: 'mysql-switchover', severity: 'warning', params: { cluster: 'switchover' } });
    await awaitApproval(mend.client, switchover);
    await decideAs(switchover, 'alice', { comment: 'recording' });
    await save(mend, 'mysql-switchover-approved', switchover);
  }
  const writer = () => (JSON.parse(readFileSync(join(planned.dir, 'writer.json'), 'utf8')) as { writer: string }).writer;
  const replica = await planned.root(planned.nodes.findIndex((n) => n !== writer()));
  if (!recorded('mysql-replication-repair-recovered')) {
    await replica.query('STOP SLAVE');
    await save(mend, 'mysql-replication-repair-recovered', await mend.start({ runbook: 'mysql-replication-repair', severity: 'warning', params: { cluster: 'repair' } }));
  }
  await replica.end();
  if (!recorded('mysql-connection-surge-recovered')) {
    const primary = planned.nodes.indexOf(writer());
    const sleepers = await Promise.all(Array.from({ length: 85 }, () => planned.app(primary)));
    for (const c of sleepers) void c.query('SELECT SLEEP(60)').catch(() => undefined);
    await waitFor(async () => {
      const root = await planned.root(primary);
      const [[row]] = (await root.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%' AND TIME >= 1")) as unknown as [[{ n: number }]];
      await root.end();
      return Number(row.n) === 85;
    }, 'the surge');
    await save(
      mend,
      'mysql-connection-surge-recovered',
      await mend.start({
        runbook: 'mysql-connection-surge',
        severity: 'warning',
        params: { cluster: 'surge', olderThan: '1s' },
      }),
    );
    for (const c of sleepers) c.destroy();
  }
  if (!recorded('mysql-backup-verify-verified')) {
    await save(mend, 'mysql-backup-verify-verified', await mend.start({ runbook: 'mysql-backup-verify', severity: 'warning', params: { cluster: 'backup' } }));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
