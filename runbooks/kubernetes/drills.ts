// Faults `mend drill` injects into a Kubernetes cluster marked `drill: allowed`, on deployments labelled
// mend.dev/drill=allowed: a pod crash-looping (its status as a kubelet reports a container that keeps exiting), and
// the node under one of their pods going NotReady (its kubelet, here kwok, no longer reports).
import { defineDrills, drillTargets, nonRetryable } from 'mend';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { KubernetesConfig } from './config';
import { KubeClusters } from './actions/clusters';

const drillLabel = 'mend.dev/drill=allowed';
/** The label kwok's controller manages nodes by (scripts/kwok/kwokctl.yaml): without it, nobody heartbeats the node. */
const kwokManaged = 'type';

const crashLooping = (pod: V1Pod) => pod.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff') === true;
const settled = (d: V1Deployment) => {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s.availableReplicas === want && s.replicas === want && s.updatedReplicas === want;
};

export default defineDrills({
  create(config: KubernetesConfig) {
    const clusters = new KubeClusters(config);
    const drilled = async (cluster: string) => {
      const { apps } = await clusters.get(cluster);
      const found = (await apps.listDeploymentForAllNamespaces({ labelSelector: drillLabel })).items;
      if (!found.length) throw nonRetryable(`cluster ${cluster} has no deployment labelled ${drillLabel} to drill on`);
      return found;
    };
    const podsOf = async (cluster: string, d: V1Deployment) => {
      const { core } = await clusters.get(cluster);
      const selector = Object.entries(d.spec!.selector.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return (await core.listNamespacedPod({ namespace: d.metadata!.namespace!, labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
    };
    const runningPod = async (cluster: string) => {
      const [d] = await drilled(cluster);
      const pod = (await podsOf(cluster, d)).find((p) => p.status?.phase === 'Running');
      if (!pod) throw nonRetryable(`deployment ${d.metadata!.namespace}/${d.metadata!.name} has no running pod`);
      return pod;
    };
    const healthy = async (cluster: string) => {
      for (const d of await drilled(cluster)) {
        const where = `${d.metadata!.namespace}/${d.metadata!.name}`;
        if (!settled(d)) return `deployment ${where} has ${d.status?.availableReplicas ?? 0} of ${d.spec?.replicas ?? 1} replicas available`;
        if ((await podsOf(cluster, d)).some(crashLooping)) return `a pod of ${where} is crash looping`;
      }
      const { core } = await clusters.get(cluster);
      for (const node of (await core.listNode()).items) {
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
        if (ready !== 'True') return `node ${node.metadata!.name} is not Ready (${ready ?? 'no condition'})`;
        // A cordon is an operator's choice; the node controller's other taints (not-ready, unreachable) are not.
        const taint = node.spec?.taints?.find((t) => t.key.startsWith('node.kubernetes.io/') && t.key !== 'node.kubernetes.io/unschedulable');
        if (taint) return `node ${node.metadata!.name} still has the taint ${taint.key}`;
      }
      return undefined;
    };

    return {
      scenarios: {
        'k8s-pod-crash-loop': {
          description: 'a pod of a drilled deployment crash looping (its container exits at every start)',
          targets: drillTargets(config),
          expects: { alert: 'KubePodCrashLooping', runbook: 'k8s-pod-restart' },
          healthy,
          async inject(cluster: string) {
            const pod = await runningPod(cluster);
            const { core, mergePatch } = await clusters.get(cluster);
            const now = new Date().toISOString();
            const container = pod.spec!.containers[0];
            // kwok plays the kubelet and leaves this status alone; on a real cluster, break the pod's command instead.
            const status = {
              phase: 'Running',
              conditions: [
                { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
                { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
              ],
              containerStatuses: [
                {
                  name: container.name,
                  image: container.image!,
                  imageID: '',
                  ready: false,
                  restartCount: 4,
                  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' } },
                  lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
                },
              ],
            };
            await core.patchNamespacedPodStatus({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, body: { status } }, mergePatch);
            return { namespace: pod.metadata!.namespace!, pod: pod.metadata!.name!, uid: pod.metadata!.uid! };
          },
          async undo(cluster: string, injected) {
            const { core } = await clusters.get(cluster);
            const pod = await core.readNamespacedPod({ namespace: String(injected.namespace), name: String(injected.pod) }).catch(() => undefined);
            if (!pod || pod.metadata?.uid !== injected.uid || !crashLooping(pod)) return `pod ${injected.pod} was already replaced`;
            await core.deleteNamespacedPod({ namespace: String(injected.namespace), name: String(injected.pod) });
            return `deleted pod ${injected.pod}; its deployment makes a new one`;
          },
        },
        'k8s-node-not-ready': {
          description: 'the node under a pod of a drilled deployment stops reporting (its kubelet gone): NotReady, then unreachable',
          targets: drillTargets(config),
          expects: { alert: 'KubeNodeNotReady', runbook: 'k8s-node-drain' },
          healthy,
          async inject(cluster: string) {
            const pod = await runningPod(cluster);
            const name = pod.spec?.nodeName;
            if (!name) throw nonRetryable(`pod ${pod.metadata!.name} runs on no node`);
            const { core, mergePatch } = await clusters.get(cluster);
            const node = await core.readNode({ name });
            const managedBy = node.metadata?.labels?.[kwokManaged];
            // On a real cluster, stop the node's kubelet instead.
            if (managedBy !== 'kwok') throw nonRetryable(`node ${name} is not labelled ${kwokManaged}=kwok: this drill needs kwok nodes`);
            await core.patchNode({ name, body: { metadata: { labels: { [kwokManaged]: null } } } }, mergePatch);
            return { node: name, managedBy, unschedulable: node.spec?.unschedulable === true };
          },
          async undo(cluster: string, injected) {
            const { core, mergePatch } = await clusters.get(cluster);
            const name = String(injected.node);
            // Reporting again; the cordon the drain left is lifted when the node was schedulable before the drill.
            const body = { metadata: { labels: { [kwokManaged]: String(injected.managedBy) } }, ...(injected.unschedulable ? {} : { spec: { unschedulable: null } }) };
            await core.patchNode({ name, body }, mergePatch);
            return `node ${name} reports again${injected.unschedulable ? '' : ' and is schedulable'}`;
          },
        },
      },
    };
  },
});
