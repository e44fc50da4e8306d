// Deleting a pod so its controller replaces it: only the pod that was diagnosed (uid precondition), never a bare pod.
import { nonRetryable } from 'mend';
import { httpStatus, kubeFailure } from './api-errors';
import type { KubeClusters } from './clusters';
import { controllerOf, podState, readPod } from './state';

export interface PodRef {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  dryRun?: boolean;
}

export function podActivities(clusters: KubeClusters) {
  return {
    /**
     * Deletes the pod with this uid, unless it is healthy again (Ready, no container waiting) by now: the decision
     * may be an approval wait old. Idempotent: a pod already gone or replaced counts as deleted.
     */
    async k8sDeletePod({ cluster, namespace, name, uid, dryRun }: PodRef): Promise<{ deleted: boolean; healthy?: boolean; note: string }> {
      const api = await clusters.get(cluster);
      const gone = { deleted: true, note: `pod ${namespace}/${name} (uid ${uid}) is already gone` };
      const pod = await readPod(api, namespace, name);
      if (!pod || pod.metadata?.uid !== uid) return gone;
      const now = podState(pod);
      if (now.ready && !now.waitingReason) return { deleted: false, healthy: true, note: `pod ${namespace}/${name} is Ready again; left alone` };
      const owner = controllerOf(pod.metadata);
      if (!owner) throw nonRetryable(`pod ${namespace}/${name} has no controller: deleting it would lose it`);
      try {
        // With a body, the API server reads DeleteOptions from it and ignores query parameters: dryRun goes here.
        await api.core.deleteNamespacedPod({ namespace, name, body: { preconditions: { uid }, dryRun: dryRun ? ['All'] : undefined } });
      } catch (err) {
        // 404: deleted meanwhile; 409: the uid precondition failed, so this pod was already replaced.
        if (httpStatus(err) === 404 || httpStatus(err) === 409) return gone;
        kubeFailure(`deleting pod ${namespace}/${name}`, err);
      }
      const verb = dryRun ? 'would delete' : 'deleted';
      return { deleted: !dryRun, note: `${verb} pod ${namespace}/${name}; its ${owner.kind} ${owner.name} replaces it` };
    },
  };
}
