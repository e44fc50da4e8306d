// Side effects counted on the API server itself, from watches: every pod ever created in a namespace (by uid, per
// `app` label) and every cordon and uncordon of each node. A count waits until the watches have caught up with the
// state the API server reports now.
import { type CoreV1Api, type KubeConfig, type V1Node, type V1Pod, Watch } from '@kubernetes/client-node';
import { waitFor } from './wait';

export interface KubeCounts {
  /** Pods labelled app=`app` created so far (present or gone). */
  podsCreated(app: string): Promise<number>;
  /** Times the node was cordoned and uncordoned so far. */
  cordons(node: string): Promise<{ cordons: number; uncordons: number }>;
  stop(): void;
}

export async function watchKubeCounts(kc: KubeConfig, core: CoreV1Api, namespace: string): Promise<KubeCounts> {
  const pods = new Map<string, string | undefined>();
  const nodes = new Map<string, { unschedulable: boolean; cordons: number; uncordons: number }>();
  let ended: unknown;
  let stopped = false;
  const watch = new Watch(kc);
  const aborts: AbortController[] = [];
  // A watch ends after 30 s without events: it resumes from the last resourceVersion it saw, missing nothing.
  const follow = async <T extends { metadata?: { resourceVersion?: string } }>(path: string, onEvent: (type: string, object: T) => void) => {
    let resourceVersion: string | undefined;
    const start = async (): Promise<void> => {
      const query = { allowWatchBookmarks: true, resourceVersion };
      const events = (type: string, object: T) => {
        resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
        if (type !== 'BOOKMARK') onEvent(type, object);
      };
      const resume = (err: unknown) => {
        if (stopped) return;
        if ((err as { statusCode?: number })?.statusCode === 410) ended = err;
        else start().catch((e) => (ended = e));
      };
      const abort = await watch.watch(path, query, events, resume);
      if (stopped)
        abort.abort(); // stopped while this watch was starting
      else aborts.push(abort);
    };
    await start();
  };
  await follow<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, (_, pod) => pods.set(pod.metadata!.uid!, pod.metadata!.labels?.app));
  // Nodes are watched from the first count on (kwok's status updates make it a busy watch): it starts from a list.
  let nodesWatched: Promise<void> | undefined;
  const watchNodes = () =>
    (nodesWatched ??= follow<V1Node>('/api/v1/nodes', (type, node) => {
      const unschedulable = !!node.spec?.unschedulable;
      const seen = nodes.get(node.metadata!.name!);
      if (!seen || type === 'DELETED') return void nodes.set(node.metadata!.name!, { unschedulable, cordons: 0, uncordons: 0 });
      if (unschedulable !== seen.unschedulable) seen[unschedulable ? 'cordons' : 'uncordons']++;
      seen.unschedulable = unschedulable;
    }));
  const caughtUp = (what: string, probe: () => Promise<boolean>) =>
    waitFor(async () => {
      if (ended) throw new Error(`the test's watch stopped: ${String(ended)}`);
      return probe();
    }, `the test's watch to see ${what}`);
  return {
    async podsCreated(app) {
      const now = (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
      await caughtUp(`the pods of ${app}`, async () => now.every((p) => pods.has(p.metadata!.uid!)));
      return [...pods.values()].filter((a) => a === app).length;
    },
    async cordons(node) {
      await watchNodes();
      const live = !!(await core.readNode({ name: node })).spec?.unschedulable;
      await caughtUp(`node ${node}`, async () => nodes.get(node)?.unschedulable === live);
      const { cordons, uncordons } = nodes.get(node)!;
      return { cordons, uncordons };
    },
    stop() {
      stopped = true;
      for (const a of aborts) a.abort();
    },
  };
}
