// Cordoning and draining nodes. Eviction goes through the Eviction API only, so PodDisruptionBudgets always hold:
// a pod a budget protects is retried with backoff until the deadline, then the drain gives up. Never deleted around it.
import { type Duration, nonRetryable, toMs } from 'mend';
import { Context } from '@temporalio/activity';
import type { V1Pod } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { apiMessage, httpStatus, kube, kubeFailure } from './api-errors';
import type { KubeApis, KubeClusters } from './clusters';
import { controllerOf, evictable, podsOnNode } from './state';
import type { ObjectRef } from './types';

export interface EvictionProgress {
  evicted: string[];
  /** The controllers of the evicted pods: verification checks each is whole again elsewhere. */
  controllers: (ObjectRef & { namespace: string })[];
  /** Pods a PodDisruptionBudget kept, with the server's reason. */
  blocked: { pod: string; reason: string }[];
  /** When the drain gives up (ms since the epoch), kept across retries. */
  deadline: number;
}

const podName = (p: V1Pod) => `${p.metadata!.namespace}/${p.metadata!.name}`;

export function nodeActivities(clusters: KubeClusters) {
  return {
    /** Cordons (true) or uncordons (false) a node; returns what it was. */
    async k8sSetUnschedulable(input: { cluster: string; node: string; unschedulable: boolean; dryRun?: boolean }): Promise<{ was: boolean }> {
      const { core, mergePatch } = await clusters.get(input.cluster);
      const node = await kube(`reading node ${input.node}`, () => core.readNode({ name: input.node }));
      const was = !!node.spec?.unschedulable;
      if (was !== input.unschedulable) {
        await kube(`${input.unschedulable ? 'cordoning' : 'uncordoning'} node ${input.node}`, () =>
          core.patchNode({ name: input.node, dryRun: input.dryRun ? 'All' : undefined, body: { spec: { unschedulable: input.unschedulable || null } } }, mergePatch),
        );
      }
      return { was };
    },

    /**
     * Evicts every pod on the node that a drain moves (not DaemonSet or mirror pods); refuses, before evicting any,
     * when one has no controller (it would be lost). Pods a budget protects are retried with backoff, heartbeating,
     * until `within` has passed (counted from the first attempt, across retries); then it fails without retry.
     * In dry-run, one server-side dry-run eviction per pod says what would happen.
     */
    async k8sEvictPods(input: { cluster: string; node: string; within: Duration; dryRun?: boolean }): Promise<EvictionProgress> {
      const api = await clusters.get(input.cluster);
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as EvictionProgress | undefined;
      const progress: EvictionProgress = resumed ?? { evicted: [], controllers: [], blocked: [], deadline: Date.now() + toMs(input.within) };
      let backoffMs = 250;
      for (;;) {
        const remaining = (await podsOnNode(api, input.node)).filter((p) => evictable(p) && !p.metadata?.deletionTimestamp);
        if (remaining.length === 0) return { ...progress, blocked: [] };
        const bare = remaining.filter((p) => !controllerOf(p.metadata));
        if (bare.length) throw nonRetryable(`pods without a controller would be lost: ${bare.map(podName).join(', ')}; not evicting`);
        if (Date.now() >= progress.deadline && !input.dryRun) {
          const why = progress.blocked[0] ? `protected by a PodDisruptionBudget (${progress.blocked[0].pod}: ${progress.blocked[0].reason})` : 'still there';
          throw nonRetryable(`drain of ${input.node} gave up after ${input.within}: ${remaining.length} pod(s) ${why}`, progress);
        }
        progress.blocked = [];
        for (const pod of remaining) {
          const outcome = await evict(api, pod, input.dryRun);
          if (outcome === 'evicted') record(progress, pod);
          else if (outcome !== 'gone') progress.blocked.push({ pod: podName(pod), reason: outcome.blocked });
        }
        ctx.heartbeat(progress);
        if (input.dryRun) return progress;
        // Blocked: back off. Otherwise look again soon, for pods that came back (bounded by the deadline above).
        const pause = progress.blocked.length ? Math.min(backoffMs, progress.deadline - Date.now()) : 50;
        await delay(Math.max(0, pause), undefined, { signal: ctx.cancellationSignal });
        if (progress.blocked.length) backoffMs = Math.min(backoffMs * 2, 5000);
      }
    },
  };
}

function record(progress: EvictionProgress, pod: V1Pod): void {
  const name = podName(pod);
  if (!progress.evicted.includes(name)) progress.evicted.push(name);
  const controller = controllerOf(pod.metadata)!;
  if (!progress.controllers.some((c) => c.uid === controller.uid)) progress.controllers.push({ namespace: pod.metadata!.namespace!, ...controller });
}

/** One eviction request. 429 means a PodDisruptionBudget does not allow it now. */
async function evict(api: KubeApis, pod: V1Pod, dryRun?: boolean): Promise<'evicted' | 'gone' | { blocked: string }> {
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  try {
    await api.core.createNamespacedPodEviction({
      namespace,
      name,
      dryRun: dryRun ? 'All' : undefined,
      body: { metadata: { namespace, name }, deleteOptions: { preconditions: { uid: pod.metadata!.uid }, dryRun: dryRun ? ['All'] : undefined } },
    });
    return 'evicted';
  } catch (err) {
    const status = httpStatus(err);
    if (status === 404 || status === 409) return 'gone';
    if (status === 429) return { blocked: apiMessage(err) };
    kubeFailure(`evicting pod ${namespace}/${name}`, err);
  }
}
