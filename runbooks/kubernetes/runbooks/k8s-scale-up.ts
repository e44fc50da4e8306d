// Not enough replicas: scale the deployment up (by 2 by default, never past the policy's maxReplicas) and verify
// the new replicas are Ready. The undo scales back to the count it found.
import { defineRunbook, refused, z } from 'mend';
import { deploymentTarget } from '../actions/targets';
import { deploymentParams, readyWithin, stableFor, theDeployment, verifyOnCluster } from './lib/kubernetes';

export const k8sScaleUp = defineRunbook({
  name: 'k8s-scale-up',
  description: "Add replicas to a deployment, capped by the policy's maxReplicas; undo scales back",
  risk: 'medium',
  params: z.object({
    ...deploymentParams,
    by: z.number().int().min(1).max(100).default(2).describe('replicas to add'),
    readyWithin: readyWithin('2m'),
    stableFor,
  }),
  target: (p) => deploymentTarget(p.cluster, p.namespace, p.deployment),

  async run(kit, p) {
    const { k8s, ref, where, d } = await theDeployment(kit, p);
    const cap = kit.policy.maxReplicas ?? 10;
    if (d.replicas >= cap) throw refused(`${where} already has ${d.replicas} replicas; the policy caps scale-ups at ${cap}`);
    const to = Math.min(d.replicas + p.by, cap);
    const capped = to < d.replicas + p.by ? ` (capped at the policy's ${cap})` : '';
    await kit.step(
      `scale ${where} from ${d.replicas} to ${to} replicas${capped}`,
      k8s.k8sScaleDeployment,
      { ...ref, uid: d.uid, from: d.replicas, replicas: to },
      { undo: () => k8s.k8sScaleDeployment({ ...ref, uid: d.uid, from: to, replicas: d.replicas, leaveIfChanged: true }) },
    );
    await verifyOnCluster(kit, p, `at least ${to} replicas of ${where} are Ready`, { kind: 'deployment-ready', namespace: p.namespace, name: p.deployment, atLeast: to });
    return undefined;
  },
});
