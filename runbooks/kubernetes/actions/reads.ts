// Read-only activities: the state runbooks decide on (null when the object does not exist).
import type { KubeClusters } from './clusters';
import { deploymentState, nodeState, podState, readDeployment, readPod, replicaSetsOf, revisionOfReplicaSet } from './state';
import type { DeploymentState, NodeState, PodState, Revision } from './types';

export function readActivities(clusters: KubeClusters) {
  return {
    async k8sPod({ cluster, namespace, name }: { cluster: string; namespace: string; name: string }): Promise<PodState | null> {
      const pod = await readPod(await clusters.get(cluster), namespace, name);
      return pod ? podState(pod) : null;
    },

    async k8sDeployment({ cluster, namespace, name }: { cluster: string; namespace: string; name: string }): Promise<DeploymentState | null> {
      const d = await readDeployment(await clusters.get(cluster), namespace, name);
      return d ? deploymentState(d) : null;
    },

    /** The deployment's revisions (its ReplicaSets), oldest first. */
    async k8sRevisions({ cluster, namespace, name }: { cluster: string; namespace: string; name: string }): Promise<Revision[]> {
      const api = await clusters.get(cluster);
      const d = await readDeployment(api, namespace, name);
      return d ? (await replicaSetsOf(api, d)).map(revisionOfReplicaSet) : [];
    },

    async k8sNode({ cluster, name }: { cluster: string; name: string }): Promise<NodeState | null> {
      return (await nodeState(await clusters.get(cluster), name)) ?? null;
    },
  };
}
