// kill -9 on the Kubernetes runbooks: the crash harness kills the worker after every change and undo of each runbook
// and at every heartbeat of its waits; every run ends as the clean one did, with the same deployment spec changes
// (its generation), pods created and cordons counted by the API server itself (watches).
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { IncidentInput } from '../common/types';
import { crashEveryPoint, type CrashReport, exceptAfterReads, expectLikeClean, inRunbook, startCrashIncident } from '../sdk/crash-harness';
import { crashConfig, useCrashClient } from './helpers/crash-setup';
import { crashLoop, crashLoopsIn, kubeApis, mergePatch, useKube } from './helpers/kube';
import { type KubeCounts, watchKubeCounts } from './helpers/kube-counts';
import { waitFor } from './helpers/wait';

const kube = useKube();
const t = useCrashClient();
let counts: KubeCounts;
let deployments = 0;

beforeAll(async () => {
  counts = await watchKubeCounts(kubeApis().kc, kube.core, kube.namespace);
});
afterAll(() => counts?.stop());

const generation = async (name: string) => (await kube.apps.readNamespacedDeployment({ namespace: kube.namespace, name })).metadata!.generation!;

/** The runbook's changes, undos and waits (a crash after a read is tried in crash-cache-warmup). */
const acting = exceptAfterReads(['k8sPod', 'k8sDeployment', 'k8sRevisions', 'k8sNode']);

interface KubeCase {
  runbook: string;
  /** Sets up a run's target (a deployment of its own, `name`) and returns the incident's params. */
  reset(name: string): Promise<Record<string, unknown>>;
  count?(name: string): Promise<Record<string, number>>;
  /** Pods are not counted: how many a failed rollout starts depends on how far it got. */
  podsVary?: boolean;
  policy?: Record<string, unknown>;
}

async function crashKube(c: KubeCase): Promise<CrashReport> {
  const prefix = `crash-${c.runbook}-${Date.now()}`;
  let run = 0;
  let name = '';
  let params: Record<string, unknown> = {};
  // A cluster name per runbook: its workers serve only its own guards (a drain's lane, k8s/<cluster>, spans the cluster).
  const cluster = c.runbook.replace('k8s-', '');
  return crashEveryPoint({
    client: t.client,
    configPath: crashConfig(prefix, { kubernetes: { cluster, kubeconfig: kube.workerKubeconfig }, policy: c.policy }),
    points: (p) => inRunbook(p) && acting(p),
    reset: async () => {
      name = `${cluster}-${deployments++}`;
      run++;
      params = await c.reset(name);
    },
    start: () => {
      const input: IncidentInput = { runbook: c.runbook, severity: 'warning', params: { cluster, namespace: kube.namespace, stableFor: '1s', ...params } };
      return startCrashIncident(t.client, prefix, `${prefix}-${run}`, input);
    },
    count: async () => ({
      generation: await generation(name),
      ...(!c.podsVary && { podsCreated: await counts.podsCreated(name) }),
      ...(await c.count?.(name)),
    }),
  });
}

const version = (tag: string) => (template: V1PodTemplateSpec) => {
  template.metadata!.labels = { ...template.metadata!.labels, version: tag };
  template.spec!.containers[0].image = `app:${tag}`;
};

/** Revision 1 runs app:v1, revision 2 app:v2. */
async function twoRevisions(name: string): Promise<void> {
  await kube.deploy(name, 2, { template: version('v1') });
  await kube.rollOut(name, version('v2'));
}

test('k8s-pod-restart: killed at every step, it deletes the crash-looping pod once and recovers', async () => {
  const report = await crashKube({
    runbook: 'k8s-pod-restart',
    reset: async (name) => {
      await kube.deploy(name, 2);
      const [victim] = await kube.pods(`app=${name}`);
      await crashLoop(kube.core, victim);
      await waitFor(async () => (await kube.apps.readNamespacedDeployment({ namespace: kube.namespace, name })).status?.readyReplicas === 1, 'the crash to show');
      return { pod: victim.metadata!.name };
    },
  });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered', attempts: ['k8s-pod-restart: verified'] }, effects: { generation: 0, podsCreated: 1 } });
  expectLikeClean(report);
}, 600_000);

test('k8s-scale-up: killed at every step, it scales once and recovers', async () => {
  const report = await crashKube({ runbook: 'k8s-scale-up', reset: async (name) => (await kube.deploy(name, 2), { deployment: name, by: 2 }) });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { generation: 1, podsCreated: 2 } });
  expectLikeClean(report);
}, 600_000);

test('k8s-rollout-restart: killed at every step, it restarts the rollout once', async () => {
  const report = await crashKube({ runbook: 'k8s-rollout-restart', reset: async (name) => (await kube.deploy(name, 2), { deployment: name }) });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { generation: 1, podsCreated: 2 } });
  expectLikeClean(report);
}, 600_000);

test('k8s-rollout-undo: killed at every step, it rolls back once and recovers', async () => {
  const report = await crashKube({ runbook: 'k8s-rollout-undo', reset: async (name) => (await twoRevisions(name), { deployment: name }) });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { generation: 1, podsCreated: 2 } });
  expectLikeClean(report);
}, 600_000);

test('k8s-rollout-undo undone: killed at every step and at the undo, it rolls back and forward again once each', async () => {
  // Revision 1 crash-loops once rolled back to: the verification fails and the undo rolls forward to revision 2.
  let crashes: { stop(): Promise<void> } | undefined;
  try {
    const report = await crashKube({
      runbook: 'k8s-rollout-undo',
      podsVary: true,
      reset: async (name) => {
        await crashes?.stop();
        await twoRevisions(name);
        crashes = crashLoopsIn(kube.core, kube.namespace, `app=${name},version=v1`);
        return { deployment: name, readyWithin: '3s' };
      },
    });
    expect(report.clean).toMatchObject({ outcome: { status: 'escalated', attempts: ['k8s-rollout-undo: failed'] }, effects: { generation: 2 } });
    expectLikeClean(report);
  } finally {
    await crashes?.stop();
  }
}, 600_000);

test('k8s-node-drain: killed at every step, it cordons once and moves each pod once', async () => {
  const [spare] = await kube.addNodes(1);
  let node = '';
  const report = await crashKube({
    runbook: 'k8s-node-drain',
    policy: { approval: { approvers: ['alice'], risks: [] } },
    // Each run drains a node of its own holding both pods; they move to the spare node.
    reset: async (name) => {
      await kube.core.patchNode({ name: spare, body: { spec: { unschedulable: true } } }, mergePatch);
      [node] = await kube.addNodes(1);
      await kube.deploy(name, 2, { onSuiteNodes: true });
      await kube.core.patchNode({ name: spare, body: { spec: { unschedulable: false } } }, mergePatch);
      return { node };
    },
    count: async () => counts.cordons(node),
  });
  expect(report.clean).toMatchObject({ outcome: { status: 'recovered' }, effects: { generation: 0, podsCreated: 2, cordons: 1, uncordons: 0 } });
  expectLikeClean(report);
}, 600_000);
