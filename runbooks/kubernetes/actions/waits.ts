// Waiting on the cluster: polls a condition until it holds or the deadline passes, heartbeating meanwhile.
// Returns the evidence either way; the runbook's verification decides what a miss means.
import { type Duration, nonRetryable, toMs } from 'mend';
import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeApis, KubeClusters } from './clusters';
import { kube } from './api-errors';
import { deploymentState, evictable, podState, podsOnNode, readDeployment, readOrNone, replicaSetsOf, revisionOf } from './state';
import type { KubeCondition, ObjectRef, PodState } from './types';

export interface Observation {
  ok: boolean;
  evidence: Record<string, unknown>;
}

const pollMs = 200;

export function waitActivities(clusters: KubeClusters) {
  return {
    /** Waits until the condition has held for stableFor (a pod that is Ready for a moment and crashes is not). */
    async k8sAwait(input: { cluster: string; condition: KubeCondition; within: Duration; stableFor?: Duration }): Promise<Observation> {
      const api = await clusters.get(input.cluster);
      const ctx = Context.current();
      const deadline = Date.now() + toMs(input.within);
      const stableMs = input.stableFor ? toMs(input.stableFor) : 0;
      let holdingSince: number | undefined;
      for (;;) {
        const seen = await observe(api, input.condition);
        const now = Date.now();
        holdingSince = seen.ok ? (holdingSince ?? now) : undefined;
        const held = holdingSince === undefined ? {} : { heldForMs: now - holdingSince };
        if (holdingSince !== undefined && now - holdingSince >= stableMs) return { ok: true, evidence: { ...seen.evidence, ...held } };
        if (now + pollMs > deadline) return { ok: false, evidence: { ...seen.evidence, ...held } };
        ctx.heartbeat(seen.evidence);
        await delay(pollMs, undefined, { signal: ctx.cancellationSignal });
      }
    },
  };
}

function observe(api: KubeApis, c: KubeCondition): Promise<Observation> {
  switch (c.kind) {
    case 'pod-replaced':
      return podReplaced(api, c.namespace, c.controller, c.oldUid);
    case 'deployment-ready':
      return deploymentReady(api, c.namespace, c.name, c.atLeast ?? 0, c.replicaSet);
    case 'node-drained':
      return nodeDrained(api, c.node, c.controllers);
  }
}

/** The old pod is gone and the controller has its full count of Ready pods again. */
async function podReplaced(api: KubeApis, namespace: string, controller: ObjectRef, oldUid: string): Promise<Observation> {
  const pods = await podsOf(api, namespace, controller);
  const desired = await desiredReplicas(api, namespace, controller);
  const oldStillThere = pods.some((p) => p.uid === oldUid);
  const ready = pods.filter((p) => p.ready && !p.deleting && p.uid !== oldUid);
  return {
    ok: !oldStillThere && ready.length >= Math.max(desired, 1),
    evidence: { controller: `${controller.kind}/${controller.name}`, desired, ready: ready.length, oldPodGone: !oldStillThere, pods: summarize(pods) },
  };
}

/**
 * Rolled out: every replica it wants now (an autoscaler may change the count) updated, ready and available, no old
 * pods left, at least `atLeast` of them, on the expected ReplicaSet if given.
 */
async function deploymentReady(api: KubeApis, namespace: string, name: string, atLeast: number, replicaSet?: string): Promise<Observation> {
  const d = await readDeployment(api, namespace, name);
  if (!d) return { ok: false, evidence: { deployment: `${namespace}/${name}`, missing: true } };
  const s = deploymentState(d);
  let current: string | undefined;
  if (replicaSet) {
    const sets = await replicaSetsOf(api, d);
    current = sets.find((rs) => revisionOf(rs.metadata) === s.revision)?.metadata?.name;
  }
  const all = s.replicas;
  const ok =
    s.observedGeneration >= s.generation &&
    all >= atLeast &&
    s.updatedReplicas === all &&
    s.readyReplicas === all &&
    s.availableReplicas === all &&
    s.totalReplicas === all &&
    (!replicaSet || current === replicaSet);
  return { ok, evidence: { ...s, ...(replicaSet ? { replicaSet: current, expected: replicaSet } : {}) } };
}

/** No pod a drain moves is left on the node, and each evicted pod's controller is whole again elsewhere. */
async function nodeDrained(api: KubeApis, node: string, controllers: (ObjectRef & { namespace: string })[]): Promise<Observation> {
  // A pod being deleted has left (on a lost node no kubelet confirms its deletion).
  const left = (await podsOnNode(api, node)).filter((p) => evictable(p) && !p.metadata?.deletionTimestamp).map(podState);
  const owners = [];
  for (const c of controllers) {
    const pods = (await podsOf(api, c.namespace, c)).filter((p) => p.ready && !p.deleting && p.node !== node);
    owners.push({ controller: `${c.namespace}/${c.kind}/${c.name}`, desired: await desiredReplicas(api, c.namespace, c), readyElsewhere: pods.length });
  }
  return {
    ok: left.length === 0 && owners.every((o) => o.readyElsewhere >= o.desired),
    evidence: { node, podsLeft: left.map((p) => `${p.namespace}/${p.name}`), controllers: owners },
  };
}

async function podsOf(api: KubeApis, namespace: string, controller: ObjectRef): Promise<PodState[]> {
  const list = await kube(`listing the pods of ${controller.kind} ${namespace}/${controller.name}`, () => api.core.listNamespacedPod({ namespace }));
  return list.items.map(podState).filter((p) => p.controller?.uid === controller.uid);
}

/** How many pods the controller wants; 0 when it is gone. Only ReplicaSets and StatefulSets are verified. */
async function desiredReplicas(api: KubeApis, namespace: string, controller: ObjectRef): Promise<number> {
  const { kind, name } = controller;
  const read =
    kind === 'ReplicaSet'
      ? () => api.apps.readNamespacedReplicaSet({ namespace, name })
      : kind === 'StatefulSet'
        ? () => api.apps.readNamespacedStatefulSet({ namespace, name })
        : undefined;
  if (!read) throw nonRetryable(`verifying pods of a ${kind} is not supported (ReplicaSet and StatefulSet are)`);
  const found = await readOrNone<{ spec?: { replicas?: number } }>(`reading ${kind} ${namespace}/${name}`, read);
  return found ? (found.spec?.replicas ?? 1) : 0;
}

const summarize = (pods: PodState[]) => pods.map((p) => ({ name: p.name, ready: p.ready, node: p.node, deleting: p.deleting }));
