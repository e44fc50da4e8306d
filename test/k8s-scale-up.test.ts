// k8s-scale-up on a real API server: replicas really added and Ready, capped by the policy; a scale-up the cluster
// has no room for fails verification and is scaled back; dry-run and injected failures leave the count as it was.
import { decideAs } from './helpers/approvals';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { deploymentSettled } from './helpers/kube';
import { awaitApproval } from './helpers/incident';
import { useMendOnKube } from './helpers/kube-mend';

const t = useMendOnKube({ policy: { maxReplicas: 5 } });

const replicasOf = async (name: string) => (await t.kube.apps.readNamespacedDeployment({ namespace: t.kube.namespace, name })).spec!.replicas;

/** One pod per node at most: on this file's two nodes, a third replica has nowhere to run. */
const onePerNode = (template: V1PodTemplateSpec) => {
  template.spec!.affinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: template.metadata!.labels! } }],
    },
  };
};

beforeAll(async () => {
  await t.kube.addNodes(2);
});

test('scales 2 → 4 and verifies the new replicas are Ready', async () => {
  await t.kube.deploy('web', 2);
  const record = await t.run('k8s-scale-up', { deployment: 'web' });

  expect(record.status).toBe('recovered');
  expect(record.attempts[0].steps[0]).toMatchObject({ name: `scale deployment ${t.kube.namespace}/web from 2 to 4 replicas`, status: 'done', result: { from: 2, to: 4 } });
  expect(record.attempts[0].verifications[0]).toMatchObject({ ok: true, evidence: expect.objectContaining({ readyReplicas: 4, availableReplicas: 4 }) });
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'web', 4);
});

test("the policy's maxReplicas caps a scale-up, and refuses one at the cap", async () => {
  await t.kube.deploy('capped', 4);
  const capped = await t.run('k8s-scale-up', { deployment: 'capped' });
  expect(capped.status).toBe('recovered');
  expect(capped.attempts[0].steps[0].name).toBe(`scale deployment ${t.kube.namespace}/capped from 4 to 5 replicas (capped at the policy's 5)`);
  expect(await replicasOf('capped')).toBe(5);

  const refused = await t.run('k8s-scale-up', { deployment: 'capped' });
  expect(refused.status).toBe('escalated');
  expect(refused.attempts[0]).toMatchObject({ status: 'refused', reason: expect.stringContaining('already has 5 replicas; the policy caps scale-ups at 5') });
  expect(await replicasOf('capped')).toBe(5);
});

test('a scale-up the cluster has no room for fails verification and is scaled back', async () => {
  await t.kube.deploy('full', 2, { onSuiteNodes: true, template: onePerNode });
  const record = await t.run('k8s-scale-up', { deployment: 'full', readyWithin: '3s' });

  expect(record.status).toBe('escalated');
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('did not pass within 3s') });
  expect(record.attempts[0].verifications[0]).toMatchObject({ ok: false, evidence: expect.objectContaining({ replicas: 4, readyReplicas: 2 }) });
  expect(record.attempts[0].steps[0]).toMatchObject({ status: 'undone' });
  expect(await replicasOf('full')).toBe(2);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'full', 2);
});

test('a count someone changed while the scale-up waited for approval is left alone', async () => {
  await t.kube.deploy('raced', 2);
  const incident = await t.mend.start({ runbook: 'k8s-scale-up', severity: 'critical', params: { namespace: t.kube.namespace, deployment: 'raced', stableFor: '1s' } });
  await awaitApproval(t.mend.client, incident);
  await t.kube.apps.patchNamespacedDeployment({ namespace: t.kube.namespace, name: 'raced', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] });
  await decideAs(incident, 'alice');
  const record = await incident.result();

  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('has 3 replicas, not the 2 mend expected') });
  expect(record.attempts[0].steps[0].status).toBe('undone'); // the undo left the new count alone too
  expect(await replicasOf('raced')).toBe(3);
});

test('a dry-run asks the API server (dryRun=All) and changes nothing', async () => {
  await t.kube.deploy('plan', 2);
  const record = await t.run('k8s-scale-up', { deployment: 'plan' }, { dryRun: true });

  expect(record.status).toBe('planned');
  expect(record.attempts[0].steps[0]).toMatchObject({ status: 'planned', result: { from: 2, to: 4 } });
  expect(await replicasOf('plan')).toBe(2);
});

test.each([
  ['after', 'k8sScaleDeployment'],
  ['before', 'k8sAwait'],
] as const)('a failure injected %s %s leaves the deployment at its prior count', async (when, activity) => {
  const name = `fault-${activity.toLowerCase()}`;
  await t.kube.deploy(name, 2);
  t.faults.inject(activity, when);
  const record = await t.run('k8s-scale-up', { deployment: name });

  expect(t.faults.injected).toEqual([activity]);
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('injected fault') });
  expect(record.attempts[0].steps[0].status).toBe('undone');
  expect(await replicasOf(name)).toBe(2);
  await deploymentSettled(t.kube.apps, t.kube.namespace, name, 2);
});
