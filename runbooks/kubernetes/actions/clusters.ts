// One set of API clients per configured cluster, from a kubeconfig file or the pod's service account. The client
// library is loaded on first use: a worker whose runbooks never reach a cluster skips its second of start-up.
import { nonRetryable } from 'mend';
import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../config';

export type KubeClient = typeof import('@kubernetes/client-node');

let client: KubeClient | undefined;

async function kubeClient(): Promise<KubeClient> {
  client ??= await import('@kubernetes/client-node');
  return client;
}

/** The client library if something loaded it: until then no error can be one of its own. */
export const loadedKubeClient = (): KubeClient | undefined => client;

/** Request options for a JSON merge patch (the client sends strategic merge otherwise). */
export const mergePatchOf = (k: Pick<KubeClient, 'setHeaderOptions' | 'PatchStrategy'>) => k.setHeaderOptions('Content-Type', k.PatchStrategy.MergePatch);

export interface KubeApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  mergePatch: ReturnType<typeof mergePatchOf>;
}

export class KubeClusters {
  private readonly apis = new Map<string, KubeApis>();

  constructor(private readonly clusters: KubernetesConfig) {}

  async get(name: string): Promise<KubeApis> {
    const existing = this.apis.get(name);
    if (existing) return existing;
    const cluster = this.clusters[name];
    if (!cluster) {
      throw nonRetryable(`no Kubernetes cluster named "${name}" in config (known: ${Object.keys(this.clusters).join(', ') || 'none'})`);
    }
    const k = await kubeClient();
    const built = this.apis.get(name); // by a call that awaited the library alongside this one
    if (built) return built;
    const config = new k.KubeConfig();
    try {
      if ('inCluster' in cluster) config.loadFromCluster();
      else {
        config.loadFromFile(cluster.kubeconfig);
        if (cluster.context) config.setCurrentContext(cluster.context);
      }
    } catch (err) {
      throw nonRetryable(`cannot load the credentials of cluster "${name}": ${(err as Error).message}`);
    }
    const apis = { core: config.makeApiClient(k.CoreV1Api), apps: config.makeApiClient(k.AppsV1Api), mergePatch: mergePatchOf(k) };
    this.apis.set(name, apis);
    return apis;
  }
}
