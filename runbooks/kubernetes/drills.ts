// Faults `mend drill` injects into a Kubernetes cluster marked `drill: allowed`, on deployments labelled
// mend.dev/drill=allowed: a pod crash-looping (its status as a kubelet reports a container that keeps exiting),
// the node under one of their pods going NotReady (its kubelet, here kwok, no longer reports), and a deployment
// overloaded (more requests than its replicas are sized for, sent to the URL its annotation names).
import { setTimeout as delay } from 'node:timers/promises';
import { type Duration, defineDrills, drillTargets, nonRetryable, toMs } from 'mend';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { KubernetesConfig } from './config';
import { kube } from './actions/api-errors';
import { type KubeApis, KubeClusters } from './actions/clusters';
import { deploymentActivities } from './actions/deployments';
import { readDeployment } from './actions/state';
import { startTraffic, stopTraffic } from './drill-traffic';

const drillLabel = 'mend.dev/drill=allowed';
/** The label kwok's controller manages nodes by (scripts/kwok/kwokctl.yaml): without it, nobody heartbeats the node. */
const kwokManaged = 'type';

/**
 * How a drilled deployment opts into the overload drill: where its traffic goes (a URL to GET), the extra requests
 * per second that overload it (30), and how long its overload rule's window takes to forget them (30s; 1s to 5m):
 * the undo waits that long before it scales back, so that the alert does not fire again on traffic already gone.
 * While the drill runs, the deployment carries `overloading`; the traffic stops once it is gone.
 */
const overload = {
  url: 'mend.dev/drill-overload-url',
  rate: 'mend.dev/drill-overload-rate',
  drain: 'mend.dev/drill-overload-drain',
  overloading: 'mend.dev/drill-overloading',
};
/** The extra traffic ends by itself after this, even when no undo ever ends it. */
const overloadAtMostMs = 60 * 60_000;

/** Sets (or, with null, removes) the overload drill's mark on a deployment, only while it is the one with `uid`. */
const markOverloading = (api: KubeApis, d: { namespace: string; name: string; uid: string }, mark: string | null) =>
  kube(`${mark ? 'marking' : 'unmarking'} deployment ${d.namespace}/${d.name} as overloaded by a drill`, () =>
    api.apps.patchNamespacedDeployment({ namespace: d.namespace, name: d.name, body: { metadata: { uid: d.uid, annotations: { [overload.overloading]: mark } } } }, api.mergePatch),
  );

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
    const overloadable = async (cluster: string) => {
      const d = (await drilled(cluster)).find((x) => x.metadata?.annotations?.[overload.url]);
      if (!d) throw nonRetryable(`no deployment labelled ${drillLabel} in cluster ${cluster} has the annotation ${overload.url} (where its traffic goes)`);
      const a = d.metadata!.annotations!;
      const where = `${d.metadata!.namespace}/${d.metadata!.name}`;
      const url = a[overload.url];
      if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw nonRetryable(`${where}: ${overload.url} must be an http(s) URL (not "${url}")`);
      const rate = Number(a[overload.rate] ?? 30);
      if (!(rate > 0 && rate <= 200)) throw nonRetryable(`${where}: ${overload.rate} must be requests per second, more than 0 and at most 200 (not "${a[overload.rate]}")`);
      const drain = a[overload.drain] ?? '30s';
      const drainMs = /^\d+(ms|s|m)$/.test(drain) ? toMs(drain as Duration) : Number.NaN;
      if (!(drainMs >= 1000 && drainMs <= 5 * 60_000)) throw nonRetryable(`${where}: ${overload.drain} must be a duration from 1s to 5m, like 30s (not "${drain}")`);
      // A URL that does not answer would overload nothing: the drill would only wait out its budget.
      await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (res) => res.body?.cancel(),
        (err: Error) => {
          throw nonRetryable(`${where}: ${overload.url} ${url} does not answer: ${err.message}`);
        },
      );
      return { d, where, url, rate, drainMs };
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

    // Each scenario runs on the clusters marked `drill: allowed`, and starts and ends with them healthy.
    const everyScenario = { targets: drillTargets(config), healthy };

    return {
      scenarios: {
        'k8s-pod-crash-loop': {
          description: 'a pod of a drilled deployment crash looping (its container exits at every start)',
          expects: { alert: 'KubePodCrashLooping', runbook: 'k8s-pod-restart' },
          ...everyScenario,
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
          expects: { alert: 'KubeNodeNotReady', runbook: 'k8s-node-drain' },
          ...everyScenario,
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
        'k8s-deployment-overloaded': {
          description: 'more requests than the replicas of a drilled deployment are sized for (extra traffic to the URL its annotation names)',
          expects: { alert: 'KubeDeploymentOverloaded', runbook: 'k8s-scale-up' },
          ...everyScenario,
          async inject(cluster: string) {
            const { d, url, rate, drainMs } = await overloadable(cluster);
            const api = await clusters.get(cluster);
            const ref = { namespace: d.metadata!.namespace!, name: d.metadata!.name!, uid: d.metadata!.uid! };
            const mark = new Date().toISOString();
            await markOverloading(api, ref, mark);
            const goOn = async () => {
              const now = await readDeployment(api, ref.namespace, ref.name);
              return now?.metadata?.uid === ref.uid && now.metadata?.annotations?.[overload.overloading] === mark;
            };
            startTraffic(ref.uid, { url, perSecond: rate, forMs: overloadAtMostMs, goOn });
            return { namespace: ref.namespace, deployment: ref.name, uid: ref.uid, replicas: d.spec?.replicas ?? 1, rate, drainMs };
          },
          async undo(cluster: string, injected) {
            const api = await clusters.get(cluster);
            const ref = { cluster, namespace: String(injected.namespace), name: String(injected.deployment), uid: String(injected.uid) };
            const where = `${ref.namespace}/${ref.name}`;
            stopTraffic(ref.uid);
            const d = await readDeployment(api, ref.namespace, ref.name);
            if (d?.metadata?.uid !== ref.uid) return `deployment ${where} was replaced; its extra traffic stops within 2s`;
            // Without the mark, the traffic stops on any worker within 2 s.
            if (d.metadata?.annotations?.[overload.overloading] !== undefined) await markOverloading(api, ref, null);
            const stopped = `stopped ${injected.rate} extra requests/s`;
            if ((d.spec?.replicas ?? 1) === injected.replicas) return stopped;
            await delay(Number(injected.drainMs));
            // Back to the count the drill found, whoever changed it meanwhile (mend's scale-up, an operator).
            const now = await readDeployment(api, ref.namespace, ref.name);
            if (!now) return `${stopped}; deployment ${where} is gone`;
            const scaled = await deploymentActivities(clusters).k8sScaleDeployment({ ...ref, from: now.spec?.replicas ?? 1, replicas: Number(injected.replicas) });
            return `${stopped}; scaled ${where} back from ${scaled.from} to ${scaled.to} replicas`;
          },
        },
      },
    };
  },
});
