// Changing deployments: scale to an absolute count, restart the rollout, roll back to an earlier ReplicaSet.
// Each checks the deployment's uid first (a deployment deleted and recreated under the same name is not touched).
import { nonRetryable } from 'mend';
import type { V1Deployment, V1PodTemplateSpec } from '@kubernetes/client-node';
import { httpStatus, kube } from './api-errors';
import type { KubeApis, KubeClusters } from './clusters';
import { readDeployment, replicaSetsOf, revisionOf } from './state';

/** An undo passes leaveIfChanged: a deployment not in the state its step left is not the undo's to change. */
export interface Conditional {
  leaveIfChanged?: boolean;
}

export interface RollBack extends DeploymentRef, Conditional {
  /** The ReplicaSet whose template the deployment must still run. */
  fromReplicaSet: string;
  toReplicaSet: string;
}

export interface DeploymentRef {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  dryRun?: boolean;
}

const templateHashLabel = 'pod-template-hash';

async function theDeployment(api: KubeApis, { namespace, name, uid }: DeploymentRef): Promise<V1Deployment> {
  const d = await readDeployment(api, namespace, name);
  if (!d) throw nonRetryable(`deployment ${namespace}/${name} does not exist`);
  if (d.metadata?.uid !== uid) throw nonRetryable(`deployment ${namespace}/${name} was replaced (uid ${d.metadata?.uid}, expected ${uid})`);
  return d;
}

function patch(api: KubeApis, ref: DeploymentRef, body: { metadata?: object; spec: object }, doing: string): Promise<V1Deployment> {
  const { namespace, name, uid, dryRun } = ref;
  return kube(doing, () =>
    api.apps.patchNamespacedDeployment({ namespace, name, dryRun: dryRun ? 'All' : undefined, body: { ...body, metadata: { ...body.metadata, uid } } }, api.mergePatch),
  );
}

export function deploymentActivities(clusters: KubeClusters) {
  return {
    /**
     * Sets spec.replicas to an absolute count, only from the count the decision was made on (`from`): a count
     * someone changed meanwhile is left alone. Idempotent: already at `replicas` is done.
     */
    async k8sScaleDeployment(input: DeploymentRef & Conditional & { from: number; replicas: number }): Promise<{ from: number; to: number; note?: string }> {
      const api = await clusters.get(input.cluster);
      const d = await theDeployment(api, input);
      const live = d.spec?.replicas ?? 1;
      if (live === input.replicas) return { from: input.from, to: live };
      if (live !== input.from) {
        const note = `deployment ${input.namespace}/${input.name} has ${live} replicas, not the ${input.from} mend expected; leaving it alone`;
        if (input.leaveIfChanged) return { from: live, to: live, note };
        throw nonRetryable(note);
      }
      // resourceVersion makes the change conditional on the state just read (409 on a concurrent change: retried).
      const body = { metadata: { resourceVersion: d.metadata?.resourceVersion }, spec: { replicas: input.replicas } };
      const after = await patch(api, input, body, `scaling ${input.namespace}/${input.name}`);
      return { from: input.from, to: after.spec?.replicas ?? input.replicas };
    },

    /** kubectl rollout restart: stamps the pod template, so every pod is replaced by a rolling update. */
    async k8sRestartRollout(input: DeploymentRef & { at: string }): Promise<{ restartedAt: string }> {
      const api = await clusters.get(input.cluster);
      await theDeployment(api, input);
      const annotations = { 'kubectl.kubernetes.io/restartedAt': input.at };
      await patch(api, input, { spec: { template: { metadata: { annotations } } } }, `restarting ${input.namespace}/${input.name}`);
      return { restartedAt: input.at };
    },

    /**
     * kubectl rollout undo: puts the pod template of one ReplicaSet (`to`) back in the deployment, but only while the
     * deployment still runs the template of the one the decision was made on (`from`): a rollout made meanwhile is
     * never reverted. Idempotent: a deployment already on `to`'s template is left alone. A paused one is refused.
     */
    async k8sRollBack(input: RollBack): Promise<{ fromRevision: number; toRevision: number; changed: boolean; note?: string }> {
      // The controller updates the deployment right after any change: a conflict is re-read and tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await rollBack(await clusters.get(input.cluster), input);
        } catch (err) {
          if (httpStatus((err as Error).cause) !== 409 || attempt === 5) throw err;
        }
      }
    },
  };
}

/** One try of the rollback, on the deployment as it is now. */
async function rollBack(api: KubeApis, input: RollBack) {
  const where = `deployment ${input.namespace}/${input.name}`;
  const d = await theDeployment(api, input);
  const sets = await replicaSetsOf(api, d);
  const templateOf = (name: string) => {
    const rs = sets.find((r) => r.metadata?.name === name);
    if (!rs?.spec?.template) throw nonRetryable(`ReplicaSet ${name} is not a revision of ${where}`);
    return { template: withoutTemplateHash(rs.spec.template), revision: revisionOf(rs.metadata) };
  };
  const to = templateOf(input.toReplicaSet);
  const from = templateOf(input.fromReplicaSet);
  const template = to.template;
  const fromRevision = revisionOf(d.metadata);
  const toRevision = to.revision;
  if (sameJson(d.spec!.template, template)) return { fromRevision, toRevision, changed: false };
  if (d.spec?.paused) throw nonRetryable(`${where} is paused: resume it before rolling back`);
  if (!sameJson(d.spec!.template, from.template)) {
    const note = `${where} no longer runs the template of ${input.fromReplicaSet} (revision ${from.revision}): it changed since the decision; not rolling back`;
    if (input.leaveIfChanged) return { fromRevision, toRevision, changed: false, note };
    throw nonRetryable(note);
  }
  // A replace carries the resourceVersion read above: a concurrent change makes it fail with 409, never lost.
  const body: V1Deployment = { ...d, spec: { ...d.spec!, template } };
  await kube(`rolling ${input.namespace}/${input.name} back to ${input.toReplicaSet}`, () =>
    api.apps.replaceNamespacedDeployment({ namespace: input.namespace, name: input.name, body, dryRun: input.dryRun ? 'All' : undefined }),
  );
  return { fromRevision, toRevision, changed: true };
}

function withoutTemplateHash(template: V1PodTemplateSpec): V1PodTemplateSpec {
  const labels = { ...template.metadata?.labels };
  delete labels[templateHashLabel];
  return { ...template, metadata: { ...template.metadata, labels } };
}

/** Equal as JSON with keys in any order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
