// The real Kubernetes cluster tests use (started once per run by global-setup): a fresh namespace per test file,
// nodes of its own when it needs them, and the worker's least-privilege credentials from deploy/kubernetes/rbac.yaml.
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
  type V1PodTemplateSpec,
} from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseAllDocuments, stringify } from 'yaml';
import { mergePatchOf } from '../../runbooks/kubernetes/actions/clusters';
import { root } from './processes';
import { waitFor } from './wait';

export interface KubeSuite {
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  namespace: string;
  /** The admin's kubeconfig (test setup and assertions). */
  kubeconfig: string;
  /** The worker's kubeconfig: the mend-worker service account's token, bound to the shipped ClusterRole. */
  workerKubeconfig: string;
  /** Adds kwok nodes only this file's pods use (tainted for others); returns their names. */
  addNodes(count: number): Promise<string[]>;
  /** Creates a deployment on this file's nodes (or any node) and waits until every replica is Ready. */
  deploy(name: string, replicas: number, options?: DeployOptions): Promise<V1Deployment>;
  pods(selector: string): Promise<V1Pod[]>;
  /** Rolls a deployment out to a changed pod template (a new revision); waits until it settles unless told not to. */
  rollOut(name: string, change: (t: V1PodTemplateSpec) => void, options?: { waitReady?: boolean }): Promise<void>;
}

export interface DeployOptions {
  onSuiteNodes?: boolean;
  labels?: Record<string, string>;
  template?: (t: V1PodTemplateSpec) => void;
  waitReady?: boolean;
}

/** Request options for a JSON merge patch, for tests' own patches. */
export const mergePatch = mergePatchOf({ setHeaderOptions, PatchStrategy });

export function adminKubeconfig(): string {
  const path = process.env.MEND_TEST_KUBECONFIG;
  if (!path) throw new Error('MEND_TEST_KUBECONFIG is not set: run the tests with npm test (global setup starts the cluster)');
  return path;
}

export function kubeApis(kubeconfig = adminKubeconfig()) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), policy: kc.makeApiClient(PolicyV1Api) };
}

/** Per test file: a namespace (deleted after), the admin's clients, and the worker's least-privilege kubeconfig. */
export function useKube(): KubeSuite {
  const suite = {} as KubeSuite;
  const id = randomUUID().slice(0, 8);
  const nodes: string[] = [];
  beforeAll(async () => {
    const { kc, core, apps, policy } = kubeApis();
    Object.assign(suite, { core, apps, policy, kubeconfig: adminKubeconfig(), namespace: `t-${id}` });
    await core.createNamespace({ body: { metadata: { name: suite.namespace } } });
    suite.workerKubeconfig = await leastPrivilegeKubeconfig(kc, core, id);
    suite.addNodes = async (count) => {
      const names = Array.from({ length: count }, (_, i) => `${id}-node-${nodes.length + i}`);
      for (const name of names) {
        await core.createNode({
          body: {
            // type=kwok: the nodes kwok heartbeats (scripts/kwok/kwokctl.yaml).
            metadata: { name, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { type: 'kwok', 'mend.test/suite': id, 'kubernetes.io/hostname': name } },
            spec: { taints: [{ key: 'mend.test/suite', value: id, effect: 'NoSchedule' }] },
          },
        });
      }
      nodes.push(...names);
      await waitFor(
        async () => {
          const ready = await Promise.all(names.map(async (name) => isReady((await core.readNode({ name })).status?.conditions)));
          return ready.every(Boolean);
        },
        `kwok to make nodes ${names.join(', ')} Ready`,
      );
      return names;
    };
    suite.deploy = (name, replicas, options = {}) =>
      deployApp(apps, suite.namespace, name, replicas, {
        ...options,
        template: (template) => {
          if (options.onSuiteNodes) {
            template.spec!.nodeSelector = { 'mend.test/suite': id };
            template.spec!.tolerations = [{ key: 'mend.test/suite', operator: 'Equal', value: id, effect: 'NoSchedule' }];
          }
          options.template?.(template);
        },
      });
    suite.rollOut = async (name, change, options = {}) => {
      const d = await apps.readNamespacedDeployment({ namespace: suite.namespace, name });
      change(d.spec!.template);
      await apps.replaceNamespacedDeployment({ namespace: suite.namespace, name, body: d });
      if (options.waitReady !== false) await deploymentSettled(apps, suite.namespace, name, d.spec!.replicas ?? 1);
    };
    suite.pods = async (selector) => (await core.listNamespacedPod({ namespace: suite.namespace, labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp);
  });
  afterAll(async () => {
    if (!suite.core) return;
    await suite.core.deleteNamespace({ name: suite.namespace }).catch(() => undefined);
    for (const name of nodes) await suite.core.deleteNode({ name }).catch(() => undefined);
  });
  return suite;
}

/** A deployment of one container labelled app=NAME; waits until every replica is Ready unless told not to. */
export async function deployApp(apps: AppsV1Api, namespace: string, name: string, replicas: number, options: DeployOptions = {}): Promise<V1Deployment> {
  const template: V1PodTemplateSpec = { metadata: { labels: { app: name, ...options.labels } }, spec: { containers: [{ name: 'app', image: `${name}:1` }] } };
  options.template?.(template);
  const created = await apps.createNamespacedDeployment({
    namespace,
    body: { metadata: { name, labels: { app: name } }, spec: { replicas, selector: { matchLabels: { app: name } }, template } },
  });
  if (options.waitReady !== false) await deploymentSettled(apps, namespace, name, replicas);
  return created;
}

export const isReady = (conditions: { type: string; status: string }[] | undefined) => !!conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Every replica updated, Ready and available, and no pod of an older revision left. */
export async function deploymentSettled(apps: AppsV1Api, namespace: string, name: string, replicas: number): Promise<V1Deployment> {
  return waitFor(async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    const s = d.status ?? {};
    const settled =
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s.updatedReplicas === replicas &&
      s.readyReplicas === replicas &&
      s.availableReplicas === replicas &&
      s.replicas === replicas;
    return settled ? d : undefined;
  }, `deployment ${namespace}/${name} to have ${replicas} Ready replicas`);
}

/** The status a kubelet reports for a container that keeps crashing (kwok plays the kubelet; tests play the crash). */
export async function crashLoop(core: CoreV1Api, pod: V1Pod): Promise<void> {
  const now = new Date().toISOString();
  const container = pod.spec!.containers[0];
  await core.patchNamespacedPodStatus(
    {
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      body: {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
          ],
          containerStatuses: [
            {
              name: container.name,
              image: container.image,
              imageID: '',
              ready: false,
              restartCount: 4,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
            },
          ],
        },
      },
    },
    mergePatch,
  );
}

/** Crash-loops every pod matching the selector as soon as it runs, until stopped (a bad image, as the kubelet sees it). */
export function crashLoopsIn(core: CoreV1Api, namespace: string, selector: string): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
      for (const pod of pods) {
        if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') continue;
        if (pod.status.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff')) continue;
        await crashLoop(core, pod).catch(() => undefined);
      }
      await delay(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * Applies deploy/kubernetes/rbac.yaml as shipped, then writes a kubeconfig holding a token of its service account:
 * what the worker runs with in every Kubernetes test.
 */
async function leastPrivilegeKubeconfig(kc: KubeConfig, core: CoreV1Api, id: string): Promise<string> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const manifests = parseAllDocuments(readFileSync(join(root, 'deploy', 'kubernetes', 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as KubernetesObject);
  for (const manifest of manifests) {
    await objects.create(manifest).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
  }
  const request = await core.createNamespacedServiceAccountToken({
    namespace: 'mend-system',
    name: 'mend-worker',
    body: { spec: { expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const file = join(process.env.MEND_TEST_DIR ?? '/tmp', `worker-kubeconfig-${id}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
      users: [{ name: 'mend-worker', user: { token: request.status!.token } }],
      contexts: [{ name: 'mend-worker', context: { cluster: 'test', user: 'mend-worker' } }],
      'current-context': 'mend-worker',
    }),
    { mode: 0o600 },
  );
  return file;
}
