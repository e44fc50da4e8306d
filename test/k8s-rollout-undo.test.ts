// k8s-rollout-undo (kubectl's client-side rollback, done by mend) and k8s-rollout-restart on a real API server.
import { decideAs } from './helpers/approvals';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { crashLoopsIn, deploymentSettled } from './helpers/kube';
import { awaitApproval } from './helpers/incident';
import { useMendOnKube } from './helpers/kube-mend';

const t = useMendOnKube();

const image = (tag: string) => (template: V1PodTemplateSpec) => {
  template.metadata!.labels = { ...template.metadata!.labels, version: tag };
  template.spec!.containers[0].image = `app:${tag}`;
};

/** The deployment's template image and the ReplicaSet serving its current revision. */
async function rolledOutTo(name: string): Promise<{ image: string; replicaSet: string; revision: string }> {
  const d = await deploymentSettled(t.kube.apps, t.kube.namespace, name, 2);
  const revision = d.metadata!.annotations!['deployment.kubernetes.io/revision'];
  const sets = (await t.kube.apps.listNamespacedReplicaSet({ namespace: t.kube.namespace, labelSelector: `app=${name}` })).items;
  const current = sets.find((rs) => rs.metadata!.annotations!['deployment.kubernetes.io/revision'] === revision)!;
  return { image: d.spec!.template.spec!.containers[0].image!, replicaSet: current.metadata!.name!, revision };
}

/** Revision 1 runs app:v1, revision 2 app:v2; returns revision 1's ReplicaSet. */
async function twoRevisions(name: string): Promise<string> {
  await t.kube.deploy(name, 2, { template: image('v1') });
  const first = await rolledOutTo(name);
  await t.kube.rollOut(name, image('v2'));
  return first.replicaSet;
}

test('rolls back to the previous revision: the deployment is available on its ReplicaSet again', async () => {
  const previous = await twoRevisions('web');
  const record = await t.run('k8s-rollout-undo', { deployment: 'web' });

  expect(record.status).toBe('recovered');
  expect(record.attempts[0].steps[0]).toMatchObject({
    name: `roll deployment ${t.kube.namespace}/web back from revision 2 to 1 (${previous})`,
    result: { fromRevision: 2, toRevision: 1, changed: true },
  });
  expect(record.attempts[0].verifications[0]).toMatchObject({ ok: true, evidence: expect.objectContaining({ replicaSet: previous }) });
  // As with kubectl, the old ReplicaSet comes back as the newest revision.
  expect(await rolledOutTo('web')).toEqual({ image: 'app:v1', replicaSet: previous, revision: '3' });
});

test('toRevision picks an older revision; one that does not exist is refused', async () => {
  const first = await twoRevisions('pick');
  await t.kube.rollOut('pick', image('v3'));
  const record = await t.run('k8s-rollout-undo', { deployment: 'pick', toRevision: 1 });
  expect(record.status).toBe('recovered');
  expect(await rolledOutTo('pick')).toMatchObject({ image: 'app:v1', replicaSet: first });

  const missing = await t.run('k8s-rollout-undo', { deployment: 'pick', toRevision: 9 });
  expect(missing.attempts[0]).toMatchObject({ status: 'refused', reason: expect.stringContaining('has no revision 9 to roll back to') });
});

test('a verification that cannot pass (the old revision crashes too) rolls forward again', async () => {
  await twoRevisions('bad');
  const v2 = await rolledOutTo('bad');
  const crashes = crashLoopsIn(t.kube.core, t.kube.namespace, 'app=bad,version=v1');
  try {
    const record = await t.run('k8s-rollout-undo', { deployment: 'bad', readyWithin: '4s' });
    expect(record.status).toBe('escalated');
    expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('did not pass within 4s') });
    expect(record.attempts[0].steps[0].status).toBe('undone');
    expect(await rolledOutTo('bad')).toMatchObject({ image: 'app:v2', replicaSet: v2.replicaSet });
  } finally {
    await crashes.stop();
  }
});

test('a rollout made while the rollback waited for approval is never reverted', async () => {
  await twoRevisions('raced');
  const incident = await t.mend.start({ runbook: 'k8s-rollout-undo', severity: 'critical', params: { namespace: t.kube.namespace, deployment: 'raced', stableFor: '1s' } });
  await awaitApproval(t.mend.client, incident);
  await t.kube.rollOut('raced', image('v3'));
  const fixed = await rolledOutTo('raced');
  await decideAs(incident, 'alice', { comment: 'go' });
  const record = await incident.result();

  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('changed since the decision; not rolling back') });
  expect(record.attempts[0].steps[0].status).toBe('undone'); // the undo left the new rollout alone too
  expect(await rolledOutTo('raced')).toEqual(fixed);
});

test('a dry-run validates the rollback with the API server (dryRun=All) and changes nothing', async () => {
  await twoRevisions('plan');
  const before = await rolledOutTo('plan');
  const record = await t.run('k8s-rollout-undo', { deployment: 'plan' }, { dryRun: true });

  expect(record.status).toBe('planned');
  expect(record.attempts[0].steps[0]).toMatchObject({ status: 'planned', result: { fromRevision: 2, toRevision: 1 } });
  expect(await rolledOutTo('plan')).toEqual(before);
});

test.each([
  ['after', 'k8sRollBack'],
  ['before', 'k8sAwait'],
] as const)('a failure injected %s %s leaves the deployment on its revision', async (when, activity) => {
  const name = `fault-${activity.toLowerCase()}`;
  await twoRevisions(name);
  const before = await rolledOutTo(name);
  t.faults.inject(activity, when);
  const record = await t.run('k8s-rollout-undo', { deployment: name });

  expect(t.faults.injected).toEqual([activity]);
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('injected fault') });
  expect(record.attempts[0].steps[0].status).toBe('undone');
  expect(await rolledOutTo(name)).toMatchObject({ image: before.image, replicaSet: before.replicaSet });
});

test('k8s-rollout-restart replaces every pod by a rolling update and verifies all are Ready', async () => {
  await t.kube.deploy('restart', 2);
  const before = (await t.kube.pods('app=restart')).map((p) => p.metadata!.uid);
  const record = await t.run('k8s-rollout-restart', { deployment: 'restart' });

  expect(record.status).toBe('recovered');
  const d = await deploymentSettled(t.kube.apps, t.kube.namespace, 'restart', 2);
  expect(d.spec!.template.metadata!.annotations!['kubectl.kubernetes.io/restartedAt']).toBe(
    record.attempts[0].steps[0].result && (record.attempts[0].steps[0].result as { restartedAt: string }).restartedAt,
  );
  const after = (await t.kube.pods('app=restart')).map((p) => p.metadata!.uid);
  expect(after.filter((uid) => before.includes(uid))).toEqual([]);
});
