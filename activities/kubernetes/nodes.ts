// Cordoning and draining nodes. Eviction goes through the Eviction API only, so PodDisruptionBudgets always hold:
// a pod a budget protects is retried with backoff until the deadline, then the drain gives up. Never deleted around it.
import { Context } from '@temporalio/activity';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { toMs } from '../../common/duration';
import type { Duration } from '../../common/types';
import { nonRetryable } from '../errors';
import { apiMessage, httpStatus, kube, kubeFailure } from './api-errors';
import type { KubeApis, KubeClusters } from './clusters';
import { evictable, podsOnNode } from './state';

export interface EvictionProgress {
  evicted: string[];
  /** Pods a PodDisruptionBudget kept, with the server's reason. */
  blocked: { pod: string; reason: string }[];
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const podName = (p: V1Pod) => `${p.metadata!.namespace}/${p.metadata!.name}`;

export function nodeActivities(clusters: KubeClusters) {
  return {
    /** Cordons (true) or uncordons (false) a node; returns what it was. */
    async k8sSetUnschedulable(input: { cluster: string; node: string; unschedulable: boolean; dryRun?: boolean }): Promise<{ was: boolean }> {
      const { core } = clusters.get(input.cluster);
      const node = await kube(`reading node ${input.node}`, () => core.readNode({ name: input.node }));
      const was = !!node.spec?.unschedulable;
      if (was !== input.unschedulable) {
        await kube(`${input.unschedulable ? 'cordoning' : 'uncordoning'} node ${input.node}`, () =>
          core.patchNode(
            { name: input.node, dryRun: input.dryRun ? 'All' : undefined, body: { spec: { unschedulable: input.unschedulable || null } } },
            mergePatch,
          ),
        );
      }
      return { was };
    },

    /**
     * Evicts every pod on the node that a drain moves (not DaemonSet or mirror pods). Pods a budget protects are
     * retried with backoff, heartbeating, until `within` has passed; then it fails without retry. In dry-run, one
     * server-side dry-run eviction per pod says what would happen.
     */
    async k8sEvictPods(input: { cluster: string; node: string; within: Duration; dryRun?: boolean }): Promise<EvictionProgress> {
      const api = clusters.get(input.cluster);
      const ctx = Context.current();
      const deadline = Date.now() + toMs(input.within);
      const progress: EvictionProgress = (ctx.info.heartbeatDetails as EvictionProgress | undefined) ?? { evicted: [], blocked: [] };
      let backoffMs = 500;
      for (;;) {
        const remaining = (await podsOnNode(api, input.node)).filter((p) => evictable(p) && !p.metadata?.deletionTimestamp);
        if (remaining.length === 0) return { ...progress, blocked: [] };
        progress.blocked = [];
        for (const pod of remaining) {
          const outcome = await evict(api, pod, input.dryRun);
          if (outcome === 'evicted') progress.evicted.push(podName(pod));
          else if (outcome !== 'gone') progress.blocked.push({ pod: podName(pod), reason: outcome.blocked });
        }
        ctx.heartbeat(progress);
        if (input.dryRun) return progress;
        if (progress.blocked.length === 0) continue;
        if (Date.now() >= deadline) {
          const [first] = progress.blocked;
          throw nonRetryable(
            `drain of ${input.node} gave up after ${input.within}: ${progress.blocked.length} pod(s) still protected by a PodDisruptionBudget (${first.pod}: ${first.reason})`,
            progress,
          );
        }
        await delay(Math.min(backoffMs, deadline - Date.now()), undefined, { signal: ctx.cancellationSignal });
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    },
  };
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
