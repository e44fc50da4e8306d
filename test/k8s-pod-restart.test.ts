// k8s-pod-restart on a real API server (kwok nodes): the crash-looping pod is really replaced by a Ready one; a
// crash loop that follows a rollout is rolled back instead; dry-run and injected failures leave the workload whole.
import { decideAs } from './helpers/approvals';
import type { V1Pod } from '@kubernetes/client-node';
import { crashLoop, crashLoopsIn, deploymentSettled } from './helpers/kube';
import { awaitApproval } from './helpers/incident';
import { useMendOnKube } from './helpers/kube-mend';
import { waitFor } from './helpers/wait';

const t = useMendOnKube();
const uid = (p: V1Pod) => p.metadata!.uid!;

/** A deployment whose first pod crash-loops (as a kubelet reports it), seen by the deployment. */
async function crashingPodOf(name: string, replicas = 2): Promise<V1Pod> {
  await t.kube.deploy(name, replicas);
  const [victim] = await t.kube.pods(`app=${name}`);
  await crashLoop(t.kube.core, victim);
  await waitFor(
    async () => (await t.kube.apps.readNamespacedDeployment({ namespace: t.kube.namespace, name })).status?.readyReplicas === replicas - 1,
    'the deployment to see the crash',
  );
  return victim;
}

async function expectWhole(name: string, replicas: number): Promise<V1Pod[]> {
  await deploymentSettled(t.kube.apps, t.kube.namespace, name, replicas);
  const pods = await t.kube.pods(`app=${name}`);
  expect(pods).toHaveLength(replicas);
  return pods;
}

test('the crash-looping pod is deleted and its ReplicaSet starts a Ready replacement; the guard covers the deployment', async () => {
  const victim = await crashingPodOf('web');
  const record = await t.run('k8s-pod-restart', { pod: victim.metadata!.name });

  expect(record.status).toBe('recovered');
  expect(record.target).toBe(`k8s/default/${t.kube.namespace}/deployment/web`);
  expect(record.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['diagnosed', 'runbook chosen']));
  expect(record.timeline.find((e) => e.event === 'diagnosed')!.detail).toMatch(/CrashLoopBackOff, 4 restarts, last terminated Error \(exit 1\), owned by deployment\/web/);
  const [attempt] = record.attempts;
  expect(attempt.steps[0]).toMatchObject({ status: 'done', destructive: true, restoredBy: expect.stringMatching(/^its ReplicaSet web-/) });
  expect(attempt.verifications[0]).toMatchObject({ ok: true, evidence: expect.objectContaining({ oldPodGone: true, ready: 2 }) });

  const pods = await expectWhole('web', 2);
  expect(pods.map(uid)).not.toContain(uid(victim));
  expect(pods.every((p) => p.status?.containerStatuses?.[0].ready)).toBe(true);
});

test('a verification that cannot pass (the replacement crashes too) fails the runbook and escalates', async () => {
  await t.kube.deploy('bad', 1);
  const crashes = crashLoopsIn(t.kube.core, t.kube.namespace, 'app=bad');
  try {
    const [victim] = await waitFor(async () => {
      const pods = await t.kube.pods('app=bad');
      return pods[0]?.status?.containerStatuses?.[0].state?.waiting ? pods : undefined;
    }, 'the pod to crash-loop');
    const record = await t.run('k8s-pod-restart', { pod: victim.metadata!.name, readyWithin: '3s' });

    expect(record.status).toBe('escalated');
    expect(record.attempts[0]).toMatchObject({ runbook: 'k8s-pod-restart', status: 'failed' });
    expect(record.attempts[0].verifications[0]).toMatchObject({ ok: false, evidence: expect.objectContaining({ oldPodGone: true, ready: 0 }) });
    const [replacement] = await t.kube.pods('app=bad');
    expect(uid(replacement)).not.toBe(uid(victim));
  } finally {
    await crashes.stop();
  }
});

test('a crash loop that began right after a rollout is rolled back instead, to the previous ReplicaSet', async () => {
  await t.kube.deploy('api', 2);
  const [healthy] = (await t.kube.apps.listNamespacedReplicaSet({ namespace: t.kube.namespace, labelSelector: 'app=api' })).items;
  const crashes = crashLoopsIn(t.kube.core, t.kube.namespace, 'app=api,version=2');
  try {
    await t.kube.rollOut(
      'api',
      (template) => {
        template.metadata!.labels = { ...template.metadata!.labels, version: '2' };
        template.spec!.containers[0].image = 'api:2';
      },
      { waitReady: false },
    );
    const victim = await waitFor(async () => {
      const pods = await t.kube.pods('app=api,version=2');
      return pods.find((p) => p.status?.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff');
    }, 'a pod of revision 2 to crash-loop');

    const record = await t.run('k8s-pod-restart', { pod: victim.metadata!.name });

    expect(record.status).toBe('recovered');
    expect(record.target).toBe(`k8s/default/${t.kube.namespace}/deployment/api`);
    expect(record.timeline.find((e) => e.event === 'runbook chosen')!.detail).toMatch(
      /^k8s-rollout-undo on .*: the pod crash-loops on revision 2 of deployment\/api, rolled out \d+s before the fault$/,
    );
    expect(record.attempts.map((a) => a.runbook)).toEqual(['k8s-rollout-undo']);
    const pods = await expectWhole('api', 2);
    expect(pods.every((p) => p.spec!.containers[0].image === 'api:1' && p.metadata!.labels!.version === undefined)).toBe(true);
    expect(pods.every((p) => p.metadata!.ownerReferences![0].name === healthy.metadata!.name)).toBe(true);
  } finally {
    await crashes.stop();
  }
});

test('a pod that is healthy again by the time its restart is approved is left alone', async () => {
  const victim = await crashingPodOf('healed');
  const incident = await t.mend.start({ runbook: 'k8s-pod-restart', severity: 'critical', params: { namespace: t.kube.namespace, pod: victim.metadata!.name, stableFor: '1s' } });
  await awaitApproval(t.mend.client, incident);
  const now = await t.kube.core.readNamespacedPod({ namespace: t.kube.namespace, name: victim.metadata!.name! });
  await t.kube.core.patchNamespacedPodStatus({
    namespace: t.kube.namespace,
    name: victim.metadata!.name!,
    body: [
      { op: 'replace', path: '/status/conditions', value: now.status!.conditions!.map((c) => ({ ...c, status: 'True', reason: undefined })) },
      { op: 'replace', path: '/status/containerStatuses/0/state', value: { running: { startedAt: new Date().toISOString() } } },
      { op: 'replace', path: '/status/containerStatuses/0/ready', value: true },
    ],
  });
  await decideAs(incident, 'alice');
  const record = await incident.result();

  expect(record.status).toBe('not-needed');
  expect(record.attempts[0].steps[0].result).toMatchObject({ deleted: false, healthy: true });
  const still = await t.kube.core.readNamespacedPod({ namespace: t.kube.namespace, name: victim.metadata!.name! });
  expect(uid(still)).toBe(uid(victim));
});

test('a dry-run plans the deletion with the API server (dryRun=All) and changes nothing', async () => {
  const victim = await crashingPodOf('plan');
  const record = await t.run('k8s-pod-restart', { pod: victim.metadata!.name }, { dryRun: true });

  expect(record.status).toBe('planned');
  expect(record.attempts[0].steps.map((s) => [s.name, s.status])).toEqual([
    [expect.stringMatching(/^delete pod .*plan-.* \(CrashLoopBackOff/), 'planned'],
    [expect.stringMatching(/^would verify "a replacement of/), 'planned'],
  ]);
  expect(record.attempts[0].steps[0].result).toMatchObject({ deleted: false, note: expect.stringMatching(/^would delete pod/) });
  const still = await t.kube.core.readNamespacedPod({ namespace: t.kube.namespace, name: victim.metadata!.name! });
  expect(uid(still)).toBe(uid(victim));
  expect(still.metadata!.deletionTimestamp).toBeUndefined();
});

test.each([
  ['before', 'k8sDeletePod'],
  ['after', 'k8sDeletePod'],
  ['before', 'k8sAwait'],
] as const)('a failure injected %s %s leaves the deployment whole', async (when, activity) => {
  const name = `fault-${when}-${activity.toLowerCase()}`;
  const victim = await crashingPodOf(name);
  t.faults.inject(activity, when);
  const record = await t.run('k8s-pod-restart', { pod: victim.metadata!.name });

  expect(t.faults.injected).toEqual([activity]);
  expect(record.status).toBe('escalated');
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('injected fault') });
  if (when === 'before' && activity === 'k8sDeletePod') {
    const still = await t.kube.core.readNamespacedPod({ namespace: t.kube.namespace, name: victim.metadata!.name! });
    expect(uid(still)).toBe(uid(victim));
  } else {
    // The pod was deleted before the failure: its ReplicaSet makes the deployment whole again.
    const pods = await expectWhole(name, 2);
    expect(pods.map(uid)).not.toContain(uid(victim));
  }
});
