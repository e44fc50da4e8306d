// Shared by the Kubernetes runbooks: the params every one takes, and verification by waiting on the cluster.
import { type Duration, duration, refused, type RunbookKit, z } from 'mend';
import type { KubernetesActivities } from '../../actions';
import type { KubeCondition, PodState } from '../../actions/types';

const dnsName = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

export const cluster = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/)
  .default('default')
  .describe('Kubernetes cluster name from config');
export const namespace = z.string().regex(dnsName, 'a Kubernetes namespace name').describe('namespace');
export const objectName = (what: string) => z.string().regex(dnsName, `a Kubernetes ${what} name`).describe(what);

/** The params of a runbook that acts on one deployment. */
export const deploymentParams = { cluster, namespace, deployment: objectName('deployment') };

/** Activity stubs for reads and changes, with the policy's timeout and retries. */
export const kubeActivities = (kit: RunbookKit) => kit.activities<KubernetesActivities>();

/** The deployment a runbook acts on, read before acting; refused when it does not exist. */
export async function theDeployment(kit: RunbookKit, p: { cluster: string; namespace: string; deployment: string }) {
  const k8s = kubeActivities(kit);
  const ref = { cluster: p.cluster, namespace: p.namespace, name: p.deployment };
  const where = `deployment ${p.namespace}/${p.deployment}`;
  const d = await k8s.k8sDeployment(ref);
  if (!d) throw refused(`${where} does not exist`);
  return { k8s, ref, where, d };
}

export const readyWithin = (d: string) => duration.default(d).describe('how long verification waits for the recovered state');
export const stableFor = duration.default('10s').describe('how long the recovered state must hold to count');

/** Verifies by waiting on the cluster: passes once the condition has held for stableFor, fails at `within`. */
export function verifyOnCluster(kit: RunbookKit, p: { cluster: string; readyWithin: Duration; stableFor: Duration }, name: string, condition: KubeCondition): Promise<void> {
  const within = p.readyWithin;
  const waits = kit.activities<KubernetesActivities>({ waitsUpTo: within });
  return kit.verify(name, () => waits.k8sAwait({ cluster: p.cluster, condition, within, stableFor: p.stableFor }), { within });
}

/** "CrashLoopBackOff, 4 restarts", "Running, Ready", ... */
export function describePod(p: PodState): string {
  const state = p.waitingReason ?? p.phase;
  return `${state}${p.ready ? ', Ready' : ''}, ${p.restarts} restarts${p.lastTermination ? `, last ended ${p.lastTermination.reason}` : ''}`;
}
