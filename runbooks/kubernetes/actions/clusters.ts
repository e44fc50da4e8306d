// One set of API clients per configured cluster, from a kubeconfig file or the pod's service account.
import { nonRetryable } from 'mend';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../config';

/** Request options for a JSON merge patch (the client sends strategic merge otherwise). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
}

export class KubeClusters {
  private readonly apis = new Map<string, KubeApis>();

  constructor(private readonly clusters: KubernetesConfig) {}

  get(name: string): KubeApis {
    const existing = this.apis.get(name);
    if (existing) return existing;
    const cluster = this.clusters[name];
    if (!cluster) {
      throw nonRetryable(`no Kubernetes cluster named "${name}" in config (known: ${Object.keys(this.clusters).join(', ') || 'none'})`);
    }
    const config = new KubeConfig();
    try {
      if ('inCluster' in cluster) config.loadFromCluster();
      else {
        config.loadFromFile(cluster.kubeconfig);
        if (cluster.context) config.setCurrentContext(cluster.context);
      }
    } catch (err) {
      throw nonRetryable(`cannot load the credentials of cluster "${name}": ${(err as Error).message}`);
    }
    const apis = { core: config.makeApiClient(CoreV1Api), apps: config.makeApiClient(AppsV1Api) };
    this.apis.set(name, apis);
    return apis;
  }
}
