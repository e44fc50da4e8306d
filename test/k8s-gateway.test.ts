// End to end on the real cluster: a kube-prometheus KubePodCrashLooping alert, shaped as Alertmanager sends it, goes
// through the gateway and the shipped route to k8s-pod-restart; the pod is replaced, verified, and counted in the
// worker's metrics. The worker acts with the shipped least-privilege role, which grants nothing else.
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { defaultConfigPath, loadConfig } from '../config/load';
import { gatewayRoutes } from '../gateway/routes';
import { incidentStatusQuery } from '../workflows/definitions';
import { alertmanagerPayload } from './fixtures/alerts';
import { startGateway, type Gateway } from './helpers/gateway';
import { crashLoop, deploymentSettled, kubeApis } from './helpers/kube';
import { useMendOnKube } from './helpers/kube-mend';
import { waitFor } from './helpers/wait';

const t = useMendOnKube();
let gateway: Gateway;

beforeAll(async () => {
  // The shipped route, with a 1 s hold for the verification instead of 10 s.
  const shipped = gatewayRoutes(loadConfig(defaultConfigPath())).find((r) => r.name === 'kubernetes/kube-pod-crash-looping')!;
  gateway = await startGateway(t.mend.config, { routes: [{ ...shipped, params: { ...shipped.params, stableFor: '1s' } }] });
});
afterAll(async () => gateway?.close());

/** KubePodCrashLooping as kubernetes-mixin defines it (labels from kube-state-metrics, annotations from the rule). */
function crashLoopingAlert(pod: V1Pod, status: 'firing' | 'resolved', startsAt: string) {
  const { namespace, name, uid } = pod.metadata!;
  return alertmanagerPayload(
    [
      {
        status,
        startsAt,
        labels: {
          alertname: 'KubePodCrashLooping',
          container: 'app',
          job: 'kube-state-metrics',
          namespace: namespace!,
          pod: name!,
          reason: 'CrashLoopBackOff',
          severity: 'warning',
          uid: uid!,
        },
        annotations: {
          description: `Pod ${namespace}/${name} (app) is in waiting state (reason: "CrashLoopBackOff").`,
          runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
          summary: 'Pod is crash looping.',
        },
      },
    ],
    { alertname: 'KubePodCrashLooping', namespace: namespace! },
  );
}

test('KubePodCrashLooping → gateway → k8s-pod-restart on the cluster → verified → metrics; the resolution closes it', async () => {
  await t.kube.deploy('checkout', 2);
  const [victim] = await t.kube.pods('app=checkout');
  await crashLoop(t.kube.core, victim);
  const startsAt = new Date(Date.now() - 30_000).toISOString();

  const reply = await gateway.post('/alerts/alertmanager', crashLoopingAlert(victim, 'firing', startsAt));
  expect(reply.status).toBe(202);
  expect(reply.body.incidents).toEqual([expect.objectContaining({ runbook: 'k8s-pod-restart', outcome: 'signalled' })]);
  const handle = gateway.client.workflow.getHandle(reply.body.incidents[0].incidentId);
  const view = await waitFor(async () => {
    const v = await handle.query(incidentStatusQuery);
    return v.record ? v : undefined;
  }, 'the incident to remediate');

  expect(view.record).toMatchObject({ status: 'recovered', target: `k8s/default/${t.kube.namespace}/deployment/checkout` });
  expect(view.record!.attempts[0]).toMatchObject({ runbook: 'k8s-pod-restart', status: 'verified' });
  expect(view.record!.mttrSeconds).toBeGreaterThanOrEqual(30);
  const pods = await t.kube.pods('app=checkout');
  expect(pods.map((p) => p.metadata!.uid)).not.toContain(victim.metadata!.uid);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'checkout', 2);

  const metrics = await t.mend.metrics.registry.metrics();
  expect(metrics).toMatch(/^recovery_attempts_total\{runbook="k8s-pod-restart",status="verified"\} 1$/m);
  expect(metrics).toMatch(/^mttr_seconds_count\{runbook="k8s-pod-restart"\} 1$/m);

  expect((await gateway.post('/alerts/alertmanager', crashLoopingAlert(victim, 'resolved', startsAt))).status).toBe(202);
  expect(await handle.result()).toMatchObject({ status: 'recovered' });
});

test('the shipped role grants the worker what its runbooks use and nothing else', async () => {
  const worker = kubeApis(t.kube.workerKubeconfig);
  const { namespace } = t.kube;
  const forbidden = async (call: () => Promise<unknown>) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    return err instanceof ApiException && err.code === 403;
  };
  expect(await forbidden(() => worker.core.listNamespacedSecret({ namespace }))).toBe(true);
  expect(await forbidden(() => worker.core.createNamespacedPod({ namespace, body: { metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x' }] } } }))).toBe(true);
  expect(await forbidden(() => worker.apps.deleteNamespacedDeployment({ namespace, name: 'checkout' }))).toBe(true);
  expect(await forbidden(() => worker.core.deleteNode({ name: 'node-000000' }))).toBe(true);
  expect(await forbidden(() => worker.core.listNamespacedPod({ namespace }))).toBe(false);
});
