// mend's own time in a pod restart, on a local cluster (kwok nodes) and dev server, each part its own process:
//   in:  alert posted to the gateway → the pod's deletion seen on the API server (gateway, incident, diagnosis,
//        choice, guard, runbook start, the delete call);
//   out: the replacement pod Ready on the API server → the incident's recovery recorded (verification, record).
// Between the two is the cluster's own time (scheduling, the pod's start). The route sets stableFor: 0s, so the
// deliberate hold of a verified state is not counted. `npm run bench:k8s` (BENCH_RESTARTS, default 30).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Watch, type V1Pod } from '@kubernetes/client-node';
import type { IncidentView } from '../workflows/definitions';
import { incidentStatusQuery } from '../workflows/definitions';
import { alertmanagerPayload } from '../test/fixtures/alerts';
import { crashLoop, deployApp, isReady, kubeApis } from '../test/helpers/kube';
import { testConfig } from '../test/helpers/mend';
import { freePort, startDevServer, startKubeCluster } from '../test/helpers/processes';
import { startGatewayProcess, startWorkerProcess, writeConfig } from '../test/helpers/worker-process';
import { summary } from './stats';

const token = 'bench-token';
const namespace = 'bench';
const warmup = 3;

interface Moments {
  deleted?: number;
  ready?: number;
}

/** Watches a deployment's pods: when the victim's deletion shows, and when another pod is Ready. */
async function watchPods(watch: Watch, app: string, victim: string, seen: Moments): Promise<AbortController> {
  return watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: `app=${app}` },
    (type, pod: V1Pod) => {
      const now = Date.now();
      if (pod.metadata?.uid === victim && (type === 'DELETED' || pod.metadata.deletionTimestamp)) seen.deleted ??= now;
      if (pod.metadata?.uid !== victim && isReady(pod.status?.conditions)) seen.ready ??= now;
    },
    () => undefined,
  );
}

async function main(): Promise<void> {
  const restarts = Number(process.env.BENCH_RESTARTS ?? 30);
  const dir = mkdtempSync(join(tmpdir(), 'mend-bench-k8s-'));
  const [temporal, cluster] = await Promise.all([startDevServer(), startKubeCluster(join(dir, 'kwok'), 'mend-bench')]);
  const taskQueue = `bench-${Date.now()}`;
  const config = testConfig(undefined, {}, 'b', true, 0);
  const port = await freePort();
  Object.assign(config.temporal, { address: temporal.address, taskQueue });
  Object.assign(config, {
    kubernetes: { default: { kubeconfig: cluster.kubeconfig } },
    gateway: {
      ...config.gateway,
      port,
      sources: { alertmanager: { tokenEnv: 'MEND_BENCH_TOKEN' } },
      routes: [
        { matchers: ['alertname="KubePodCrashLooping"'], runbook: 'k8s-pod-restart', params: { namespace: '{{ labels.namespace }}', pod: '{{ labels.pod }}', stableFor: '0s' } },
      ],
    },
  });
  const file = writeConfig(config, dir, 'mend');
  const worker = await startWorkerProcess(file);
  const gateway = await startGatewayProcess(file, { MEND_BENCH_TOKEN: token });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const { kc, core, apps } = kubeApis(cluster.kubeconfig);
  const watch = new Watch(kc);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const post = async (body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { incidents: { incidentId: string }[] };
  };
  const inbound: number[] = [];
  const outbound: number[] = [];
  const clusterTime: number[] = [];
  try {
    for (let i = 0; i < restarts + warmup; i++) {
      const app = `svc-${i}`;
      await deployApp(apps, namespace, app, 1);
      const [victim] = (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
      await crashLoop(core, victim);
      const seen: Moments = {};
      const watching = await watchPods(watch, app, victim.metadata!.uid!, seen);
      const alert = (status: 'firing' | 'resolved') =>
        alertmanagerPayload([{ status, labels: { alertname: 'KubePodCrashLooping', namespace, pod: victim.metadata!.name!, container: 'app' } }]);

      const sentAt = Date.now();
      const reply = await post(alert('firing'));
      const handle = client.workflow.getHandle(reply.incidents[0].incidentId);
      let view: IncidentView;
      while (!(view = await handle.query(incidentStatusQuery)).record) await delay(20);
      watching.abort();
      const recorded = view.record.timeline.find((e) => e.event === 'recovered');
      if (!recorded || !seen.deleted || !seen.ready) throw new Error(`restart ${i} did not recover: ${JSON.stringify(view.record)}`);
      await post(alert('resolved'));
      if (i < warmup) continue;
      inbound.push(seen.deleted - sentAt);
      outbound.push(Date.parse(recorded.at) - seen.ready);
      clusterTime.push(seen.ready - seen.deleted);
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const total = inbound.map((v, i) => v + outbound[i]);
    console.log(`alert → pod deletion seen:        ${summary(inbound)}`);
    console.log(`replacement Ready → recovery:     ${summary(outbound)}`);
    console.log(`mend's overhead (sum of the two): ${summary(total)}`);
    console.log(`the cluster's own time (between): ${summary(clusterTime)}`);
  } finally {
    await connection.close();
    await gateway.stop();
    await worker.stop();
    await Promise.all([temporal.stop(), cluster.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (err) => (console.error(err), process.exit(1)),
);
