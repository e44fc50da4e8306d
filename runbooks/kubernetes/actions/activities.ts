// Kubernetes activities: reads, pod deletion, deployment changes, node cordon and drain, and waits.
import type { KubeClusters } from './clusters';
import { deploymentActivities } from './deployments';
import { nodeActivities } from './nodes';
import { podActivities } from './pods';
import { readActivities } from './reads';
import { waitActivities } from './waits';

export function kubernetesActivities(clusters: KubeClusters) {
  return {
    ...readActivities(clusters),
    ...podActivities(clusters),
    ...deploymentActivities(clusters),
    ...nodeActivities(clusters),
    ...waitActivities(clusters),
  };
}

export type KubernetesActivities = ReturnType<typeof kubernetesActivities>;
