// A failing node: cordon it, evict its pods through the Eviction API (PodDisruptionBudgets hold; a drain they block
// past evictWithin gives up), and verify every evicted pod's controller is Ready again on other nodes. The undo
// uncordons. The default policy runs one drain at a time per cluster (oneAtATime).
import { defineRunbook, duration, refused, z } from 'mend';
import { nodeTarget } from '../actions/targets';
import type { KubernetesActivities } from '../actions';
import { cluster, kubeActivities, objectName, readyWithin, stableFor, verifyOnCluster } from './lib/kubernetes';

export const k8sNodeDrain = defineRunbook({
  name: 'k8s-node-drain',
  description: 'Cordon a node and evict its pods (PodDisruptionBudgets respected); undo uncordons',
  risk: 'high',
  params: z.object({
    cluster,
    node: objectName('node'),
    evictWithin: duration.default('5m').describe('how long to wait for budgets to allow every eviction before giving up'),
    readyWithin: readyWithin('5m'),
    stableFor,
  }),
  target: (p) => nodeTarget(p.cluster, p.node),
  blastRadius: (p) => `k8s/${p.cluster}`,

  async run(kit, p) {
    const k8s = kubeActivities(kit);
    const node = await k8s.k8sNode({ cluster: p.cluster, name: p.node });
    if (!node) throw refused(`node ${p.node} does not exist`);
    // DaemonSet pods would come straight back; mirror pods (owned by the Node) belong to the kubelet.
    const moving = node.pods.filter((pod) => !pod.deleting && pod.controller?.kind !== 'DaemonSet' && pod.controller?.kind !== 'Node');
    const bare = moving.filter((pod) => !pod.controller);
    if (bare.length) throw refused(`pods without a controller would be lost: ${bare.map((b) => `${b.namespace}/${b.name}`).join(', ')}`);

    // The undo puts back what the cordon found (read after any approval), so an operator's own cordon stays.
    await kit.step(
      `cordon node ${p.node}`,
      k8s.k8sSetUnschedulable,
      { cluster: p.cluster, node: p.node, unschedulable: true },
      { undo: (r) => k8s.k8sSetUnschedulable({ cluster: p.cluster, node: p.node, unschedulable: r?.was ?? node.unschedulable }) },
    );
    const evictions = kit.activities<KubernetesActivities>({ waitsUpTo: p.evictWithin });
    const { controllers } = await kit.step(
      `evict ${moving.length} pods from node ${p.node}`,
      evictions.k8sEvictPods,
      { cluster: p.cluster, node: p.node, within: p.evictWithin },
      { destructive: true, restoredBy: 'their controllers, which start them on other nodes' },
    );
    await verifyOnCluster(kit, p, `the pods of node ${p.node} are Ready on other nodes`, { kind: 'node-drained', node: p.node, controllers });
    return undefined;
  },
});
