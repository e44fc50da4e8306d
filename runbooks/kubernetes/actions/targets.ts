// Names of Kubernetes targets (what the target guard locks), shared by runbooks and activities. No Node imports.

export const podTarget = (cluster: string, namespace: string, pod: string) => `k8s/${cluster}/${namespace}/pod/${pod}`;

/** A workload by kind and name, e.g. deployment/web. */
export const workloadTarget = (cluster: string, namespace: string, workload: string) => `k8s/${cluster}/${namespace}/${workload.toLowerCase()}`;

export const deploymentTarget = (cluster: string, namespace: string, name: string) => workloadTarget(cluster, namespace, `deployment/${name}`);

export const nodeTarget = (cluster: string, node: string) => `k8s/${cluster}/node/${node}`;

export type KubeTarget = { cluster: string; kind: 'node'; name: string } | { cluster: string; kind: string; namespace: string; name: string };

/** The parts of a target after "k8s/": cluster/node/NAME or cluster/NAMESPACE/KIND/NAME. */
export function parseKubeTarget(path: string): KubeTarget | undefined {
  const parts = path.split('/');
  if (parts.length === 3 && parts[1] === 'node') return { cluster: parts[0], kind: 'node', name: parts[2] };
  if (parts.length === 4) return { cluster: parts[0], namespace: parts[1], kind: parts[2], name: parts[3] };
  return undefined;
}
