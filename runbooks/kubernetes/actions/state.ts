// Reads pods, deployments, revisions and nodes, summarized for workflows.
import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeApis } from './clusters';
import { isNotFound, kube, kubeFailure } from './api-errors';
import type { DeploymentState, NodeState, ObjectRef, PodState, Revision } from './types';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';

const iso = (d: Date | string | undefined) => (d ? new Date(d).toISOString() : undefined);

export function controllerOf(meta: { ownerReferences?: { controller?: boolean; kind: string; name: string; uid: string }[] } | undefined): ObjectRef | undefined {
  const ref = meta?.ownerReferences?.find((o) => o.controller);
  return ref && { kind: ref.kind, name: ref.name, uid: ref.uid };
}

export function podState(pod: V1Pod): PodState {
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  const ended = statuses.map((c) => c.lastState?.terminated ?? c.state?.terminated).find((t) => t);
  const conditions = (pod.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason }));
  return {
    namespace: pod.metadata!.namespace!,
    name: pod.metadata!.name!,
    uid: pod.metadata!.uid!,
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    deleting: !!pod.metadata?.deletionTimestamp,
    node: pod.spec?.nodeName,
    controller: controllerOf(pod.metadata),
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    waitingReason: waiting,
    lastTermination: ended && { reason: ended.reason ?? 'Unknown', exitCode: ended.exitCode, at: iso(ended.finishedAt) },
    conditions,
    createdAt: iso(pod.metadata?.creationTimestamp),
  };
}

export function deploymentState(d: V1Deployment): DeploymentState {
  const s = d.status ?? {};
  return {
    namespace: d.metadata!.namespace!,
    name: d.metadata!.name!,
    uid: d.metadata!.uid!,
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: s.readyReplicas ?? 0,
    availableReplicas: s.availableReplicas ?? 0,
    updatedReplicas: s.updatedReplicas ?? 0,
    totalReplicas: s.replicas ?? 0,
    generation: d.metadata?.generation ?? 0,
    observedGeneration: s.observedGeneration ?? 0,
    revision: revisionOf(d.metadata),
    available: (s.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True'),
  };
}

export const revisionOf = (meta: { annotations?: Record<string, string> } | undefined): number => Number(meta?.annotations?.[revisionAnnotation] ?? 0);

/** Reads an object, or undefined when it does not exist. */
export async function readOrNone<T>(doing: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    kubeFailure(doing, err);
  }
}

export const readPod = (api: KubeApis, namespace: string, name: string) => readOrNone(`reading pod ${namespace}/${name}`, () => api.core.readNamespacedPod({ namespace, name }));

export const readDeployment = (api: KubeApis, namespace: string, name: string) =>
  readOrNone(`reading deployment ${namespace}/${name}`, () => api.apps.readNamespacedDeployment({ namespace, name }));

/** The deployment's ReplicaSets (those it controls), oldest revision first. */
export async function replicaSetsOf(api: KubeApis, d: V1Deployment): Promise<V1ReplicaSet[]> {
  const namespace = d.metadata!.namespace!;
  const labelSelector = Object.entries(d.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = await kube(`listing the ReplicaSets of deployment ${namespace}/${d.metadata!.name}`, () => api.apps.listNamespacedReplicaSet({ namespace, labelSelector }));
  return list.items.filter((rs) => controllerOf(rs.metadata)?.uid === d.metadata!.uid).sort((a, b) => revisionOf(a.metadata) - revisionOf(b.metadata));
}

export const revisionOfReplicaSet = (rs: V1ReplicaSet): Revision => ({
  revision: revisionOf(rs.metadata),
  replicaSet: rs.metadata!.name!,
  createdAt: iso(rs.metadata?.creationTimestamp),
  replicas: rs.status?.replicas ?? 0,
});

/** Pods scheduled on a node, in every namespace. */
export async function podsOnNode(api: KubeApis, node: string): Promise<V1Pod[]> {
  const list = await kube(`listing the pods on node ${node}`, () => api.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }));
  return list.items;
}

export async function nodeState(api: KubeApis, name: string): Promise<NodeState | undefined> {
  const node = await readOrNone(`reading node ${name}`, () => api.core.readNode({ name }));
  if (!node) return undefined;
  return {
    name,
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    unschedulable: !!node.spec?.unschedulable,
    pods: (await podsOnNode(api, name)).map(podState),
  };
}

/** Pods a drain evicts: not those of a DaemonSet (they would come back) nor static mirror pods. */
export const evictable = (pod: V1Pod): boolean => controllerOf(pod.metadata)?.kind !== 'DaemonSet' && !pod.metadata?.annotations?.['kubernetes.io/config.mirror'];
