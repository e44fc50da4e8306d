// What the selector needs to know about a Kubernetes target: for a pod its phase, conditions, restarts, last
// termination, recent events, owning workload, and whether a rollout of that workload started just before the fault.
import { type DiagnoseInput, type Diagnosis, nonRetryable } from 'mend';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { parseKubeTarget, type KubeTarget } from './targets';
import { kube } from './api-errors';
import type { KubeApis, KubeClusters } from './clusters';
import { controllerOf, deploymentState, nodeState, podState, readDeployment, readOrNone, readPod, replicaSetsOf, revisionOf, revisionOfReplicaSet } from './state';
import type { KubeEvent, KubeFacts, PodState, RolloutFacts } from './types';

const recentEvents = 5;

export function kubeDiagnosis(clusters: KubeClusters) {
  return {
    /** A Kubernetes target without its "k8s/": cluster/node/NAME or cluster/NAMESPACE/KIND/NAME. */
    async k8sDiagnose({ name, faultStartedAt }: DiagnoseInput): Promise<Diagnosis<KubeFacts>> {
      const target = parseKubeTarget(name);
      if (!target) throw nonRetryable(`"k8s/${name}" is not a Kubernetes target (cluster/node/NAME or cluster/NAMESPACE/KIND/NAME)`);
      return diagnoseKube(clusters, target, faultStartedAt);
    },
  };
}

async function diagnoseKube(clusters: KubeClusters, target: KubeTarget, faultStartedAt: string): Promise<Diagnosis<KubeFacts>> {
  const api = await clusters.get(target.cluster);
  let facts: KubeFacts;
  if (target.kind === 'node') {
    const node = await nodeState(api, target.name);
    facts = { kind: 'node', node: node ? { ...node, pods: node.pods.length } : null };
  } else if (!('namespace' in target)) {
    throw new Error(`unexpected target ${JSON.stringify(target)}`);
  } else if (target.kind === 'pod') {
    facts = await podFacts(api, target.namespace, target.name, faultStartedAt);
  } else if (target.kind !== 'deployment') {
    throw nonRetryable(`no diagnosis for a ${target.kind} (pods, deployments and nodes are diagnosed)`);
  } else {
    const d = await readDeployment(api, target.namespace, target.name);
    facts = {
      kind: 'deployment',
      deployment: d ? deploymentState(d) : null,
      revisions: d ? (await replicaSetsOf(api, d)).map(revisionOfReplicaSet) : [],
      events: d ? await eventsOf(api, target.namespace, d.metadata!.uid!) : [],
    };
  }
  return { summary: summarize(target, facts), facts };
}

async function podFacts(api: KubeApis, namespace: string, name: string, faultStartedAt: string): Promise<KubeFacts> {
  const pod = await readPod(api, namespace, name);
  if (!pod) return { kind: 'pod', pod: null, events: [] };
  const state = podState(pod);
  const events = await eventsOf(api, namespace, state.uid);
  const owner = await workloadOf(api, pod);
  if (!owner) return { kind: 'pod', pod: state, events };
  const facts: KubeFacts = { kind: 'pod', pod: state, events, workload: { kind: owner.kind, name: owner.name } };
  if (owner.kind === 'Deployment') facts.rollout = await rolloutFacts(api, namespace, owner.name, state, faultStartedAt);
  return facts;
}

/** The workload behind the pod's controller: a ReplicaSet's Deployment, else the controller itself. */
async function workloadOf(api: KubeApis, pod: V1Pod): Promise<{ kind: string; name: string } | undefined> {
  const controller = controllerOf(pod.metadata);
  if (controller?.kind !== 'ReplicaSet') return controller;
  const namespace = pod.metadata!.namespace!;
  const rs = await readOrNone(`reading ReplicaSet ${namespace}/${controller.name}`, () => api.apps.readNamespacedReplicaSet({ namespace, name: controller.name }));
  return controllerOf(rs?.metadata) ?? controller;
}

async function rolloutFacts(api: KubeApis, namespace: string, name: string, pod: PodState, faultStartedAt: string): Promise<RolloutFacts | undefined> {
  const d = await readDeployment(api, namespace, name);
  if (!d) return undefined;
  const latest = (await replicaSetsOf(api, d)).at(-1);
  if (!latest) return undefined;
  const startedAt = latest.metadata?.creationTimestamp ? new Date(latest.metadata.creationTimestamp).toISOString() : undefined;
  return {
    deployment: name,
    revision: revisionOf(latest.metadata),
    startedAt,
    podOnLatestRevision: pod.controller?.uid === latest.metadata?.uid,
    secondsBeforeFault: startedAt ? (Date.parse(faultStartedAt) - Date.parse(startedAt)) / 1000 : undefined,
  };
}

async function eventsOf(api: KubeApis, namespace: string, uid: string): Promise<KubeEvent[]> {
  const list = await kube(`listing events in ${namespace}`, () => api.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.uid=${uid}` }));
  return list.items
    .map((e: CoreV1Event) => ({ reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1, at: eventTime(e) }))
    .sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''))
    .slice(-recentEvents);
}

function eventTime(e: CoreV1Event): string | undefined {
  const t = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).toISOString() : undefined;
}

function summarize(target: KubeTarget, f: KubeFacts): string {
  const where = 'namespace' in target ? `${target.kind} ${target.namespace}/${target.name}` : `node ${target.name}`;
  switch (f.kind) {
    case 'node':
      if (!f.node) return `${where}: not found`;
      return `${where}: ${f.node.ready ? 'Ready' : 'NotReady'}${f.node.unschedulable ? ', cordoned' : ''}, ${f.node.pods} pods`;
    case 'deployment':
      if (!f.deployment) return `${where}: not found`;
      return `${where}: ${f.deployment.readyReplicas}/${f.deployment.replicas} ready at revision ${f.deployment.revision}`;
    case 'pod': {
      if (!f.pod) return `${where}: not found (already replaced?)`;
      const p = f.pod;
      const parts = [`${where}: ${p.waitingReason ?? p.phase}${p.ready ? ', Ready' : ''}`, `${p.restarts} restarts`];
      if (p.lastTermination) parts.push(`last terminated ${p.lastTermination.reason} (exit ${p.lastTermination.exitCode})`);
      if (f.workload) parts.push(`owned by ${f.workload.kind.toLowerCase()}/${f.workload.name}`);
      const r = f.rollout;
      if (r?.secondsBeforeFault !== undefined) {
        parts.push(`revision ${r.revision} rolled out ${Math.round(r.secondsBeforeFault)}s before the fault${r.podOnLatestRevision ? ' (this pod is on it)' : ''}`);
      }
      return parts.join(', ');
    }
  }
}
