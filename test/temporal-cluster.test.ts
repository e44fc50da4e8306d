// mend on a real Temporal cluster (scripts/temporal-cluster.sh: PostgreSQL, the frontend, history, matching and
// worker services as four processes) with two mend workers and two gateways, as production runs it: kill -9 of a
// worker while pod restarts run, kill -9 of a gateway during an alert storm, a restart of Temporal's services while
// an incident waits. Every incident finishes, nothing is lost, and every action happens once, counted on the API
// server itself.
import { decideAs } from './helpers/approvals';
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startTemporalCluster, type TemporalCluster } from '../common/temporal-cluster';
import type { RecoveryRecord } from '../common/types';
import type { AlertDelivery } from '../workflows/definitions';
import { incident } from '../workflows/incident';
import { awaitApproval } from './helpers/incident';
import { crashLoop, kubeApis, useKube } from './helpers/kube';
import { type KubeCounts, watchKubeCounts } from './helpers/kube-counts';
import { testConfig } from './helpers/mend';
import { freePort, type RedisServer, scratchDir, startRedis } from './helpers/processes';
import { waitFor } from './helpers/wait';
import { startGatewayProcess, startWorkerProcess, type WorkerProcess, writeConfig } from './helpers/worker-process';

const kube = useKube();
const token = `cluster-${randomUUID()}`;
const taskQueue = `cluster-${randomUUID()}`;
const prefix = 'c';
let cluster: TemporalCluster;
let redis: RedisServer;
let client: Client;
let counts: KubeCounts;
let workers: WorkerProcess[] = [];
let gateways: { process: WorkerProcess; url: string }[] = [];

beforeAll(async () => {
  [cluster, redis] = await Promise.all([startTemporalCluster(scratchDir('cluster-')), startRedis()]);
  client = new Client({ connection: await Connection.connect({ address: cluster.address }) });
  const dir = scratchDir('cluster-mend-');
  // An activity the killed worker held is retried once its start-to-close timeout passes: 15 s, not the default 2 min.
  const config = testConfig(redis.url, { approval: { approvers: ['alice'] }, activityTimeout: '15s' }, prefix, true, 200);
  Object.assign(config.temporal, { address: cluster.address, taskQueue });
  config.kubernetes = { default: { kubeconfig: kube.workerKubeconfig } };
  // Each alert opens an incident on its own Redis name; maxmemory is unlimited, so it diagnoses and stands down.
  const routes = [
    { matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 'session:*' }, dryRun: false, continue: false },
  ];
  const ports = [await freePort(), await freePort()];
  const files = ports.map((port, i) =>
    writeConfig({ ...config, gateway: { ...config.gateway, port, sources: { generic: { tokenEnv: 'MEND_CLUSTER_TOKEN' } }, routes } } as typeof config, dir, `mend-${i}`),
  );
  workers = await Promise.all(files.map((f) => startWorkerProcess(f)));
  const started = await Promise.all(files.map((f) => startGatewayProcess(f, { MEND_CLUSTER_TOKEN: token })));
  gateways = started.map((process, i) => ({ process, url: `http://127.0.0.1:${ports[i]}/alerts` }));
  const { kc, core } = kubeApis();
  counts = await watchKubeCounts(kc, core, kube.namespace);
}, 600_000);

afterAll(async () => {
  counts?.stop();
  await Promise.all([...workers, ...gateways.map((g) => g.process)].map((p) => p.stop()));
  await client?.connection.close();
  await Promise.all([cluster?.stop(), redis?.stop()]);
});

const start = (input: Parameters<typeof incident>[0]): Promise<WorkflowHandle<typeof incident>> =>
  client.workflow.start(incident, { taskQueue, workflowId: `incident-${randomUUID()}`, args: [input] });

/** A deployment of one replica whose pod crash loops; its name. */
async function crashLoopingApp(name: string): Promise<string> {
  await kube.deploy(name, 1);
  const [pod] = await kube.pods(`app=${name}`);
  await crashLoop(kube.core, pod);
  return pod.metadata!.name!;
}

test('kill -9 of one of two workers while pod restarts run: every incident recovers, each pod is replaced once', async () => {
  const apps = Array.from({ length: 6 }, (_, i) => `kill-${i}`);
  const pods = await Promise.all(apps.map(crashLoopingApp));
  const handles = await Promise.all(pods.map((pod) => start({ runbook: 'k8s-pod-restart', params: { namespace: kube.namespace, pod, stableFor: '5s' }, severity: 'warning' })));
  // Once the first replacement exists, the others are between their delete and their verification, or before both.
  await waitFor(async () => (await Promise.all(apps.map((a) => counts.podsCreated(a)))).some((n) => n > 1), 'a first pod to be replaced');
  await workers[0].stop('SIGKILL');
  const records: RecoveryRecord[] = await Promise.all(handles.map((h) => h.result()));
  expect(records.map((r) => r.status)).toEqual(apps.map(() => 'recovered'));
  expect(await Promise.all(apps.map((a) => counts.podsCreated(a)))).toEqual(apps.map(() => 2));
}, 300_000);

test("a restart of Temporal's four services while an incident waits for approval: the approval reaches it and the pod is replaced once", async () => {
  const pod = await crashLoopingApp('restart-0');
  const handle = await start({ runbook: 'k8s-pod-restart', params: { namespace: kube.namespace, pod, stableFor: '1s' }, severity: 'critical' });
  await awaitApproval(client, handle);
  await cluster.restart();
  await decideAs(handle, 'alice', { comment: 'after the restart' });
  const record = await handle.result();
  expect(record.status).toBe('recovered');
  expect(await counts.podsCreated('restart-0')).toBe(2);
}, 300_000);

test('kill -9 of one of two gateways during a storm: a sender retrying on the other loses no alert and opens one incident per target', async () => {
  const targets = 100;
  const alerts = Array.from({ length: 400 }, (_, i) => ({ labels: { alertname: 'RedisMemoryHigh', redis: `${prefix}-${i % targets}`, shard: String(i) } }));
  const answered = new Set<string>();
  let sent = 0;
  let retried = 0;
  const post = async (body: unknown) => {
    for (let attempt = 0; ; attempt++) {
      const { url } = gateways[(sent + attempt) % 2];
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }).catch(() => undefined);
      if (res?.status === 202) return (await res.json()) as { incidents: { incidentId: string }[] };
      if (attempt === 20) throw new Error(`no gateway took an alert in 20 tries (last answer: ${res?.status ?? 'none'})`);
      retried++;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < alerts.length) {
        const alert = alerts[next++];
        if (next === alerts.length / 4) await gateways[0].process.stop('SIGKILL');
        sent++;
        for (const { incidentId } of (await post({ alerts: [alert] })).incidents) answered.add(incidentId);
      }
    }),
  );
  expect(retried).toBeGreaterThan(0);
  // What Temporal recorded: every alert (a retried one may come twice: counted once, by its fingerprint) in the
  // `alert` signals of one incident per target.
  const recorded = new Set<string>();
  for (const id of answered) {
    const { events } = await client.workflow.getHandle(id).fetchHistory();
    for (const e of events ?? []) {
      const signal = e.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName !== 'alert') continue;
      const delivery = JSON.parse(Buffer.from(signal.input!.payloads![0].data!).toString()) as AlertDelivery;
      for (const a of delivery.alerts) recorded.add(a.fingerprint);
    }
  }
  expect({ incidents: answered.size, recorded: recorded.size }).toEqual({ incidents: targets, recorded: alerts.length });
}, 300_000);
