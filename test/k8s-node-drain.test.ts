// k8s-node-drain on a real API server with kwok nodes of this file's own: cordon, eviction through the Eviction API,
// PodDisruptionBudgets that hold, one drain at a time per cluster, dry-run, and injected failures that uncordon.
import type { V1Pod } from '@kubernetes/client-node';
import type { RecoveryRecord } from '../common/types';
import { deploymentSettled } from './helpers/kube';
import { useMendOnKube } from './helpers/kube-mend';

// A drain is high-risk, so the default policy asks for approval (tested with the other approval flows): not here.
// Failures on a node start its cooldown (tested with the guard); here the next test may drain the same node.
const t = useMendOnKube({ policy: { approval: { risks: [] }, cooldown: '0s', attempts: { max: 20, window: '5m' } } });
let nodes: string[];

beforeAll(async () => {
  nodes = await t.kube.addNodes(4);
});

afterEach(async () => {
  const { namespace } = t.kube;
  await t.kube.apps.deleteCollectionNamespacedDeployment({ namespace });
  await t.kube.policy.deleteCollectionNamespacedPodDisruptionBudget({ namespace });
  await t.kube.core.deleteCollectionNamespacedPod({ namespace });
  for (const name of nodes) await t.kube.core.patchNode({ name, body: [{ op: 'replace', path: '/spec/unschedulable', value: false }] });
});

const cordoned = async (node: string) => !!(await t.kube.core.readNode({ name: node })).spec!.unschedulable;
const podsOn = async (node: string) => (await t.kube.core.listNamespacedPod({ namespace: t.kube.namespace, fieldSelector: `spec.nodeName=${node}` })).items;
const nodeOf = (p: V1Pod) => p.spec!.nodeName!;
const at = (r: RecoveryRecord, event: string) => Date.parse(r.timeline.find((e) => e.event === event)!.at);

test('cordons the node, evicts its pods, and verifies they are Ready on other nodes', async () => {
  await t.kube.deploy('web', 3, { onSuiteNodes: true });
  const node = nodeOf((await t.kube.pods('app=web'))[0]);
  const record = await t.run('k8s-node-drain', { node });

  expect(record.status).toBe('recovered');
  expect(record.attempts[0].steps.map((s) => [s.name, s.status])).toEqual([
    [`cordon node ${node}`, 'done'],
    [expect.stringMatching(new RegExp(`^evict \\d+ pods from node ${node}$`)), 'done'],
  ]);
  expect(await cordoned(node)).toBe(true);
  expect(await podsOn(node)).toEqual([]);
  const pods = await t.kube.pods('app=web');
  expect(pods.filter((p) => nodeOf(p) === node)).toEqual([]);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'web', 3);
});

test('a PodDisruptionBudget that forbids eviction: the drain waits, gives up, uncordons, and the budget holds', async () => {
  await t.kube.deploy('guarded', 2, { onSuiteNodes: true });
  await t.kube.policy.createNamespacedPodDisruptionBudget({
    namespace: t.kube.namespace,
    body: { metadata: { name: 'guarded' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } },
  });
  const before = await t.kube.pods('app=guarded');
  const node = nodeOf(before[0]);
  let fewestReady = Infinity;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const ready = (await t.kube.pods('app=guarded')).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      fewestReady = Math.min(fewestReady, ready.length);
    }
  })();
  const record = await t.run('k8s-node-drain', { node, evictWithin: '3s' });
  watching = false;
  await watch;

  expect(record.status).toBe('escalated');
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/gave up after 3s: 1 pod\(s\) protected by a PodDisruptionBudget/) });
  expect(record.attempts[0].steps.map((s) => s.status)).toEqual(['undone', 'failed']);
  expect(await cordoned(node)).toBe(false);
  expect(fewestReady).toBe(2);
  expect((await t.kube.pods('app=guarded')).map((p) => p.metadata!.uid).sort()).toEqual(before.map((p) => p.metadata!.uid).sort());
});

test('two drains asked for at once: the second waits for the first (one drain at a time per cluster)', async () => {
  await t.kube.deploy('pair', 4, { onSuiteNodes: true });
  const [first, second] = await Promise.all([
    t.mend.start({ runbook: 'k8s-node-drain', params: { node: nodes[0], stableFor: '1s' }, severity: 'warning' }),
    t.mend.start({ runbook: 'k8s-node-drain', params: { node: nodes[1], stableFor: '1s' }, severity: 'warning' }),
  ]);
  const records = await Promise.all([first.result(), second.result()]);

  expect(records.map((r) => r.status)).toEqual(['recovered', 'recovered']);
  const [earlier, later] = records.sort((a, b) => at(a, 'turn taken') - at(b, 'turn taken'));
  expect(at(later, 'turn taken')).toBeGreaterThanOrEqual(at(earlier, 'runbook verified'));
  expect(Date.parse(later.attempts[0].steps[0].startedAt)).toBeGreaterThanOrEqual(Date.parse(earlier.attempts[0].verifications[0].at));
  expect(await cordoned(nodes[0])).toBe(true);
  expect(await cordoned(nodes[1])).toBe(true);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'pair', 4);
});

test('a verification that cannot pass (the pods fit only on that node) fails the drain, which uncordons', async () => {
  const node = nodes[3];
  await t.kube.deploy('pinned', 2, { onSuiteNodes: true, template: (tpl) => void (tpl.spec!.nodeSelector!['kubernetes.io/hostname'] = node) });
  const record = await t.run('k8s-node-drain', { node, readyWithin: '3s' });

  expect(record.status).toBe('escalated');
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('did not pass within 3s') });
  expect(record.attempts[0].verifications[0]).toMatchObject({
    ok: false,
    evidence: expect.objectContaining({ controllers: [expect.objectContaining({ desired: 2, readyElsewhere: 0 })] }),
  });
  expect(record.attempts[0].steps.map((s) => s.status)).toEqual(['undone', 'done']);
  expect(await cordoned(node)).toBe(false);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'pinned', 2);
});

test('a dry-run asks the API server (dryRun=All) for the cordon and every eviction, and changes nothing', async () => {
  await t.kube.deploy('plan', 2, { onSuiteNodes: true });
  const before = await t.kube.pods('app=plan');
  const node = nodeOf(before[0]);
  const record = await t.run('k8s-node-drain', { node }, { dryRun: true });

  expect(record.status).toBe('planned');
  const [cordon, evict] = record.attempts[0].steps;
  expect(cordon).toMatchObject({ status: 'planned', result: { was: false } });
  expect(evict.result).toMatchObject({ evicted: before.filter((p) => nodeOf(p) === node).map((p) => `${t.kube.namespace}/${p.metadata!.name}`) });
  expect(await cordoned(node)).toBe(false);
  expect((await t.kube.pods('app=plan')).map((p) => p.metadata!.uid).sort()).toEqual(before.map((p) => p.metadata!.uid).sort());
});

test('a pod without a controller is never evicted: the drain is refused before it cordons', async () => {
  const node = nodes[2];
  await t.kube.core.createNamespacedPod({
    namespace: t.kube.namespace,
    body: {
      metadata: { name: 'bare' },
      spec: { nodeName: node, containers: [{ name: 'app', image: 'bare:1' }], tolerations: [{ operator: 'Exists' }] },
    },
  });
  const record = await t.run('k8s-node-drain', { node });

  expect(record.attempts[0]).toMatchObject({ status: 'refused', reason: `pods without a controller would be lost: ${t.kube.namespace}/bare` });
  expect(await cordoned(node)).toBe(false);
});

test.each([
  ['after', 'k8sSetUnschedulable'],
  ['after', 'k8sEvictPods'],
  ['before', 'k8sAwait'],
] as const)('a failure injected %s %s uncordons the node and leaves the workload whole', async (when, activity) => {
  await t.kube.deploy('faulty', 3, { onSuiteNodes: true });
  const node = nodeOf((await t.kube.pods('app=faulty'))[0]);
  t.faults.inject(activity, when);
  const record = await t.run('k8s-node-drain', { node });

  expect(t.faults.injected).toEqual([activity]);
  expect(record.attempts[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('injected fault') });
  expect(record.attempts[0].steps[0].status).toBe('undone');
  expect(await cordoned(node)).toBe(false);
  await deploymentSettled(t.kube.apps, t.kube.namespace, 'faulty', 3);
});
