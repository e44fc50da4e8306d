// Once per test run: a Temporal dev server (or, with MEND_TEST_TEMPORAL_CLUSTER=1, a real Temporal cluster on
// PostgreSQL) and a Kubernetes cluster shared by all files, and the workflow bundle of the built-in packs (cached by
// content between runs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowBundle } from '../../packs/bundle';
import { builtinPacks, loadPacks } from '../../packs/load';
import { Connection } from '@temporalio/client';
import { startTemporalCluster } from '../../common/temporal-cluster';
import { ensureSearchAttributes } from '../../workers/search-attributes';
import { provisioned, startDevServer, startKubeCluster } from '../helpers/processes';

export default async function globalSetup(): Promise<void> {
  provisioned('test-server', 'MEND_TEST_SERVER');
  provisioned('redis', 'REDIS_SERVER');
  const dir = mkdtempSync(join(tmpdir(), 'mend-test-'));
  const [server, cluster, bundle] = await Promise.all([startTemporal(dir), startKubeCluster(join(dir, 'kwok')), workflowBundle(loadPacks(builtinPacks))]);
  process.env.MEND_TEST_TEMPORAL = server.address;
  process.env.MEND_TEST_BUNDLE = bundle;
  process.env.MEND_TEST_DIR = dir;
  process.env.MEND_TEST_KUBECONFIG = cluster.kubeconfig;
  Object.assign(globalThis, { mendDevServer: server, mendKubeCluster: cluster });
}

/** The switch: the same tests against the dev server or against a real cluster (its search attributes added here). */
async function startTemporal(dir: string): Promise<{ address: string; stop(): Promise<void> }> {
  if (process.env.MEND_TEST_TEMPORAL_CLUSTER !== '1') return startDevServer();
  const cluster = await startTemporalCluster(join(dir, 'temporal'));
  const connection = await Connection.connect({ address: cluster.address });
  try {
    await ensureSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
  return cluster;
}
