// mend's Helm chart (deploy/helm/mend) with the real helm, built from its Go module: lint, template with every
// option on, and install then upgrade with a changed config into the local cluster's API server (kwok runs the pods).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { provisioned } from '../common/provisioned';
import { loadConfig } from '../config/load';
import { deploymentSettled, useKube } from './helpers/kube';
import { root } from './helpers/processes';

const run = promisify(execFile);
const chart = join(root, 'deploy', 'helm', 'mend');
const kube = useKube();
const helm = (...args: string[]) => run(provisioned('helm', 'HELM_BIN'), args, { maxBuffer: 16 << 20 });

// Every option on: secrets by reference, a claim for snapshots, the Prometheus Operator's objects.
const everything = [
  ...['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.prometheusRule.enabled=true'],
  ...['--set', 'worker.snapshots.existingClaim=mend-snapshots'],
  ...['--set', 'secretEnv[0].name=MEND_GATEWAY_TOKEN', '--set', 'secretEnv[0].secret=mend-secrets', '--set', 'secretEnv[0].key=gateway-token'],
];

type Doc = { kind: string; metadata: { name: string }; spec?: any; rules?: unknown; data?: Record<string, string> };
const rendered = async (...args: string[]): Promise<Doc[]> =>
  parseAllDocuments((await helm('template', 'prod', chart, '--namespace', 'mend', ...args)).stdout)
    .map((d) => d.toJSON() as Doc)
    .filter(Boolean);

test('helm lint passes, with the defaults and with every option on', async () => {
  expect((await helm('lint', chart, '--strict')).stdout).toContain('0 chart(s) failed');
  expect((await helm('lint', chart, '--strict', ...everything)).stdout).toContain('0 chart(s) failed');
});

test('helm template: the objects, the shipped least-privilege rules and alert rules, secrets only by reference', async () => {
  const docs = await rendered(...everything);
  expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
    [
      'ClusterRole/prod-mend-mend-worker',
      'ClusterRoleBinding/prod-mend-mend-worker',
      'ConfigMap/prod-mend-config',
      'Deployment/prod-mend-gateway',
      'Deployment/prod-mend-worker',
      'PodDisruptionBudget/prod-mend-gateway',
      'PodDisruptionBudget/prod-mend-worker',
      'PrometheusRule/prod-mend',
      'Service/prod-mend-gateway',
      'Service/prod-mend-worker-metrics',
      'ServiceAccount/prod-mend-worker',
      'ServiceMonitor/prod-mend-gateway',
      'ServiceMonitor/prod-mend-worker',
    ].sort(),
  );
  const byName = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
  const shipped = parseAllDocuments(readFileSync(join(root, 'deploy', 'kubernetes', 'rbac.yaml'), 'utf8')).map((d) => d.toJSON() as Doc);
  expect(byName('ClusterRole', 'prod-mend-mend-worker').rules).toEqual(shipped.find((d) => d.kind === 'ClusterRole')!.rules);
  expect(byName('PrometheusRule', 'prod-mend').spec).toEqual(parse(readFileSync(join(root, 'deploy', 'prometheus', 'mend-rules.yml'), 'utf8')));
  const worker = byName('Deployment', 'prod-mend-worker').spec.template.spec;
  const gateway = byName('Deployment', 'prod-mend-gateway').spec.template.spec;
  expect(worker.serviceAccountName).toBe('prod-mend-worker');
  expect(gateway.automountServiceAccountToken).toBe(false);
  for (const pod of [worker, gateway]) {
    expect(pod.containers[0].env).toContainEqual({ name: 'MEND_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'mend-secrets', key: 'gateway-token' } } });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  }
  expect(worker.volumes).toContainEqual({ name: 'snapshots', persistentVolumeClaim: { claimName: 'mend-snapshots' } });
  // The rendered mend.yaml is a config mend loads: the workers and the gateways start with it.
  const file = join(process.env.MEND_TEST_DIR!, 'chart-mend.yaml');
  writeFileSync(file, byName('ConfigMap', 'prod-mend-config').data!['mend.yaml']);
  expect(loadConfig(file).kubernetes).toEqual({ default: { inCluster: true } });
  // Without the options: no operator objects, an emptyDir for snapshots.
  const plain = await rendered();
  expect(plain.filter((d) => ['ServiceMonitor', 'PrometheusRule'].includes(d.kind))).toEqual([]);
});

test('helm install, then helm upgrade with a changed config: the ConfigMap changes and both deployments roll', async () => {
  const ns = ['--namespace', kube.namespace, '--kubeconfig', kube.kubeconfig];
  const names = { worker: 'mend-chart-worker', gateway: 'mend-chart-gateway' };
  const templates = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(names).map(async ([k, name]) => {
          const d = await kube.apps.readNamespacedDeployment({ namespace: kube.namespace, name });
          return [k, { generation: d.metadata!.generation, checksum: d.spec!.template.metadata!.annotations!['checksum/config'] }];
        }),
      ),
    );
  try {
    await helm('install', 'mend-chart', chart, ...ns, '--wait', '--timeout', '2m');
    for (const name of Object.values(names)) await deploymentSettled(kube.apps, kube.namespace, name, 2);
    const before = await templates();
    await helm('upgrade', 'mend-chart', chart, ...ns, '--set', 'config.policy.cooldown=5m', '--wait', '--timeout', '2m');
    const config = await kube.core.readNamespacedConfigMap({ namespace: kube.namespace, name: 'mend-chart-config' });
    expect(parse(config.data!['mend.yaml']).policy).toEqual({ cooldown: '5m' });
    const after = await templates();
    for (const k of Object.keys(names)) {
      expect(after[k].checksum).not.toBe(before[k].checksum);
      expect(after[k].generation).toBe(before[k].generation! + 1);
    }
    for (const name of Object.values(names)) await deploymentSettled(kube.apps, kube.namespace, name, 2);
    expect((await helm('status', 'mend-chart', ...ns)).stdout).toMatch(/REVISION: 2/);
  } finally {
    await helm('uninstall', 'mend-chart', ...ns).catch(() => undefined);
  }
}, 300_000);
