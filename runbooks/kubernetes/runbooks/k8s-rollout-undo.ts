// A bad rollout: put the previous revision's pod template back (what `kubectl rollout undo` does), then verify the
// deployment is available on that revision's ReplicaSet. The undo rolls forward to the revision it found.
import { defineRunbook, refused, z } from 'mend';
import { deploymentTarget } from '../actions/targets';
import { deploymentParams, readyWithin, stableFor, theDeployment, verifyOnCluster } from './lib/kubernetes';

export const k8sRolloutUndo = defineRunbook({
  name: 'k8s-rollout-undo',
  description: 'Roll a deployment back to its previous revision; verify it is available there',
  risk: 'medium',
  params: z.object({
    ...deploymentParams,
    toRevision: z.number().int().min(1).optional().describe('the revision to go back to (default: the one before the current)'),
    readyWithin: readyWithin('2m'),
    stableFor,
  }),
  target: (p) => deploymentTarget(p.cluster, p.namespace, p.deployment),

  async run(kit, p) {
    const { k8s, ref, where, d } = await theDeployment(kit, p);
    const revisions = await k8s.k8sRevisions(ref);
    const current = revisions.find((r) => r.revision === d.revision);
    const back = p.toRevision ? revisions.find((r) => r.revision === p.toRevision) : revisions.filter((r) => r.revision < d.revision).at(-1);
    if (!current) throw refused(`${where} has no ReplicaSet for its current revision ${d.revision} yet`);
    if (!back || back.revision === current.revision) {
      throw refused(
        `${where} has no ${p.toRevision ? `revision ${p.toRevision}` : 'earlier revision'} to roll back to (revisions: ${revisions.map((r) => r.revision).join(', ')})`,
      );
    }
    await kit.step(
      `roll ${where} back from revision ${current.revision} to ${back.revision} (${back.replicaSet})`,
      k8s.k8sRollBack,
      { ...ref, uid: d.uid, fromReplicaSet: current.replicaSet, toReplicaSet: back.replicaSet },
      {
        destructive: true,
        undo: () => k8s.k8sRollBack({ ...ref, uid: d.uid, fromReplicaSet: back.replicaSet, toReplicaSet: current.replicaSet, leaveIfChanged: true }),
      },
    );
    await verifyOnCluster(kit, p, `${where} is available on ${back.replicaSet}`, {
      kind: 'deployment-ready',
      namespace: p.namespace,
      name: p.deployment,
      replicaSet: back.replicaSet,
    });
    return undefined;
  },
});
