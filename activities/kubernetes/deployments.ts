// Changing deployments: scale to an absolute count, restart the rollout, roll back to an earlier ReplicaSet.
// Each checks the deployment's uid first (a deployment deleted and recreated under the same name is not touched).
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1PodTemplateSpec } from '@kubernetes/client-node';
import { nonRetryable } from '../errors';
import { httpStatus, kube } from './api-errors';
import type { KubeApis, KubeClusters } from './clusters';
import { readDeployment, replicaSetsOf, revisionOf } from './state';

export interface DeploymentRef {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
  dryRun?: boolean;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const templateHashLabel = 'pod-template-hash';

async function theDeployment(api: KubeApis, { namespace, name, uid }: DeploymentRef): Promise<V1Deployment> {
  const d = await readDeployment(api, namespace, name);
  if (!d) throw nonRetryable(`deployment ${namespace}/${name} does not exist`);
  if (d.metadata?.uid !== uid) throw nonRetryable(`deployment ${namespace}/${name} was replaced (uid ${d.metadata?.uid}, expected ${uid})`);
  return d;
}

function patch(api: KubeApis, ref: DeploymentRef, body: object, doing: string): Promise<V1Deployment> {
  const { namespace, name, uid, dryRun } = ref;
  return kube(doing, () =>
    api.apps.patchNamespacedDeployment(
      { namespace, name, dryRun: dryRun ? 'All' : undefined, body: { metadata: { uid }, ...body } },
      mergePatch,
    ),
  );
}

export function deploymentActivities(clusters: KubeClusters) {
  return {
    /** Sets spec.replicas to an absolute count; returns the count it found. */
    async k8sScaleDeployment(input: DeploymentRef & { replicas: number }): Promise<{ from: number; to: number }> {
      const api = clusters.get(input.cluster);
      const d = await theDeployment(api, input);
      const from = d.spec?.replicas ?? 1;
      const after = await patch(api, input, { spec: { replicas: input.replicas } }, `scaling ${input.namespace}/${input.name}`);
      return { from, to: after.spec?.replicas ?? input.replicas };
    },

    /** kubectl rollout restart: stamps the pod template, so every pod is replaced by a rolling update. */
    async k8sRestartRollout(input: DeploymentRef & { at: string }): Promise<{ restartedAt: string }> {
      const api = clusters.get(input.cluster);
      await theDeployment(api, input);
      const annotations = { 'kubectl.kubernetes.io/restartedAt': input.at };
      await patch(api, input, { spec: { template: { metadata: { annotations } } } }, `restarting ${input.namespace}/${input.name}`);
      return { restartedAt: input.at };
    },

    /**
     * kubectl rollout undo: puts the pod template of one of the deployment's ReplicaSets back in the deployment.
     * Idempotent: a deployment already on that template is left alone.
     */
    async k8sRollBack(input: DeploymentRef & { toReplicaSet: string }): Promise<{ fromRevision: number; toRevision: number; changed: boolean }> {
      // The controller updates the deployment right after any change: a conflict is re-read and tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          return await rollBack(clusters.get(input.cluster), input);
        } catch (err) {
          if (httpStatus((err as Error).cause) !== 409 || attempt === 5) throw err;
        }
      }
    },
  };
}

/** One try of the rollback, on the deployment as it is now. */
async function rollBack(api: KubeApis, input: DeploymentRef & { toReplicaSet: string }) {
  const d = await theDeployment(api, input);
  const target = (await replicaSetsOf(api, d)).find((rs) => rs.metadata?.name === input.toReplicaSet);
  if (!target?.spec?.template) {
    throw nonRetryable(`ReplicaSet ${input.toReplicaSet} is not a revision of deployment ${input.namespace}/${input.name}`);
  }
  const template = withoutTemplateHash(target.spec.template);
  const fromRevision = revisionOf(d.metadata);
  const toRevision = revisionOf(target.metadata);
  if (sameJson(d.spec!.template, template)) return { fromRevision, toRevision, changed: false };
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
