// A pod in CrashLoopBackOff, Error or Unknown: delete it so its controller starts a fresh one, then verify the
// replacement is Running and Ready. The diagnosis decides first: a crash loop that began right after a rollout of
// its deployment is the rollout's fault, so the incident rolls back instead (k8s-rollout-undo).
import { defineRunbook, duration, type FactsOf, refused, toMs, z } from 'mend';
import type kubernetesActions from '../actions';
import type { PodState, RolloutFacts } from '../actions/types';
import { podTarget, workloadTarget } from '../actions/targets';
import { cluster, describePod, kubeActivities, namespace, objectName, readyWithin, stableFor, verifyOnCluster } from './lib/kubernetes';

/** What a restart can cure: the container keeps failing, or the pod's state is unknown. */
const restartable = (p: PodState) => p.waitingReason === 'CrashLoopBackOff' || p.lastTermination?.reason === 'Error' || p.phase === 'Unknown' || p.phase === 'Failed';

/** The pod runs the newest revision, not the first, rolled out within the window before the fault. */
const blamesRollout = (r: RolloutFacts, windowMs: number) =>
  r.podOnLatestRevision && r.revision > 1 && r.secondsBeforeFault !== undefined && r.secondsBeforeFault >= 0 && r.secondsBeforeFault * 1000 <= windowMs;

export const k8sPodRestart = defineRunbook({
  name: 'k8s-pod-restart',
  description: 'Delete a crash-looping pod so its controller replaces it; verify the replacement is Ready',
  risk: 'low',
  params: z.object({
    cluster,
    namespace,
    pod: objectName('pod'),
    owner: z
      .string()
      .regex(/^[A-Za-z]+\/[a-z0-9.-]+$/)
      .optional()
      .describe("the pod's workload as kind/name; the diagnosis fills it, so one guard covers all the workload's pods"),
    rolloutWindow: duration.default('30m').describe('a rollout this soon before the fault is blamed for it (an alert fires after its `for`: 15m for KubePodCrashLooping)'),
    readyWithin: readyWithin('2m'),
    stableFor,
  }),
  target: (p) => (p.owner ? workloadTarget(p.cluster, p.namespace, p.owner) : podTarget(p.cluster, p.namespace, p.pod)),

  select(p, f: FactsOf<typeof kubernetesActions, 'k8s'> | undefined) {
    if (f?.kind !== 'pod' || !f.pod || !f.workload) return undefined;
    const r = f.rollout;
    if (r && restartable(f.pod) && blamesRollout(r, toMs(p.rolloutWindow))) {
      return {
        runbook: 'k8s-rollout-undo',
        params: { cluster: p.cluster, namespace: p.namespace, deployment: r.deployment, readyWithin: p.readyWithin, stableFor: p.stableFor },
        because: `the pod crash-loops on revision ${r.revision} of deployment/${r.deployment}, rolled out ${Math.round(r.secondsBeforeFault!)}s before the fault`,
      };
    }
    if (p.owner) return undefined;
    const owner = `${f.workload.kind}/${f.workload.name}`;
    return { runbook: 'k8s-pod-restart', params: { ...p, owner }, because: `the pod belongs to ${owner}, guarded as one target` };
  },

  async run(kit, p) {
    const k8s = kubeActivities(kit);
    const pod = await k8s.k8sPod({ cluster: p.cluster, namespace: p.namespace, name: p.pod });
    const where = `${p.namespace}/${p.pod}`;
    if (!pod) return { notNeeded: `pod ${where} is gone: its controller has replaced it` };
    if (pod.ready && !pod.waitingReason) return { notNeeded: `pod ${where} is ${describePod(pod)}` };
    if (!restartable(pod)) throw refused(`a restart helps a pod in CrashLoopBackOff, Error or Unknown; ${where} is ${describePod(pod)}`);
    if (!pod.controller) throw refused(`pod ${where} has no controller: deleting it would lose it`);
    const controller = pod.controller;
    if (controller.kind !== 'ReplicaSet' && controller.kind !== 'StatefulSet') {
      throw refused(`pod ${where} belongs to a ${controller.kind}; restarts are verified for ReplicaSet and StatefulSet pods`);
    }
    const deletion = await kit.step(
      `delete pod ${where} (${describePod(pod)})`,
      k8s.k8sDeletePod,
      { cluster: p.cluster, namespace: p.namespace, name: p.pod, uid: pod.uid },
      { destructive: true, restoredBy: `its ${controller.kind} ${controller.name}, which starts a new pod` },
    );
    if (deletion.healthy) return { notNeeded: deletion.note };
    const replaced = { kind: 'pod-replaced', namespace: p.namespace, controller, oldUid: pod.uid } as const;
    await verifyOnCluster(kit, p, `a replacement of ${where} is Running and Ready`, replaced);
    return undefined;
  },
});
