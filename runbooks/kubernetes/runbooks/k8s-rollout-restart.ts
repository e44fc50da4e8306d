// Replace every pod of a deployment by a rolling update (`kubectl rollout restart`), then verify all replicas are
// updated and Ready. Nothing to undo: the rolling update keeps the deployment available, and the pods are new.
import { defineRunbook, z } from 'mend';
import { deploymentTarget } from '../actions/targets';
import { deploymentParams, readyWithin, stableFor, theDeployment, verifyOnCluster } from './lib/kubernetes';

export const k8sRolloutRestart = defineRunbook({
  name: 'k8s-rollout-restart',
  description: 'Restart every pod of a deployment with a rolling update; verify all are updated and Ready',
  risk: 'low',
  params: z.object({ ...deploymentParams, readyWithin: readyWithin('5m'), stableFor }),
  target: (p) => deploymentTarget(p.cluster, p.namespace, p.deployment),

  async run(kit, p) {
    const { k8s, ref, where, d } = await theDeployment(kit, p);
    // Workflow time: the same stamp on every retry, so the restart happens once.
    await kit.step(`restart the rollout of ${where}`, k8s.k8sRestartRollout, { ...ref, uid: d.uid, at: new Date().toISOString() });
    await verifyOnCluster(kit, p, `every replica of ${where} is updated and Ready`, { kind: 'deployment-ready', namespace: p.namespace, name: p.deployment });
    return undefined;
  },
});
