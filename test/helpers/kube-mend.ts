// A mend worker acting on the test cluster with the shipped least-privilege role, with failure injection.
import type { IncidentInput, RecoveryRecord } from '../../common/types';
import { FaultPlan } from './faults';
import { useKube, type KubeSuite } from './kube';
import { startMend, type Mend } from './mend';

export interface KubeMendFixture {
  kube: KubeSuite;
  mend: Mend;
  faults: FaultPlan;
  /** Runs an incident on this file's namespace. Recovered states must hold 1 s (the default 10 s only slows tests). */
  run(runbook: string, params: Record<string, unknown>, extra?: Partial<IncidentInput>): Promise<RecoveryRecord>;
}

export function useMendOnKube(options: { policy?: Record<string, unknown> } = {}): KubeMendFixture {
  const kube = useKube();
  const faults = new FaultPlan();
  const fixture = { kube, faults } as KubeMendFixture;
  beforeAll(async () => {
    fixture.mend = await startMend({ kubeconfig: kube.workerKubeconfig, policy: options.policy, faults });
  });
  afterAll(async () => fixture.mend?.stop());
  afterEach(() => faults.clear());
  fixture.run = (runbook, params, extra = {}) => fixture.mend.run({ runbook, params: { namespace: kube.namespace, stableFor: '1s', ...params }, severity: 'warning', ...extra });
  return fixture;
}
