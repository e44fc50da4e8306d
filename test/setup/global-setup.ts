// Once per test run: a Temporal dev server and a Kubernetes cluster shared by all files, and the workflow bundle of
// the built-in packs (cached by content between runs).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowBundle } from '../../packs/bundle';
import { builtinPacks, loadPacks } from '../../packs/load';
import { provisioned, startDevServer, startKubeCluster } from '../helpers/processes';

export default async function globalSetup(): Promise<void> {
  provisioned('test-server', 'MEND_TEST_SERVER');
  provisioned('redis', 'REDIS_SERVER');
  const dir = mkdtempSync(join(tmpdir(), 'mend-test-'));
  const [server, cluster, bundle] = await Promise.all([startDevServer(), startKubeCluster(join(dir, 'kwok')), workflowBundle(loadPacks(builtinPacks))]);
  process.env.MEND_TEST_TEMPORAL = server.address;
  process.env.MEND_TEST_BUNDLE = bundle;
  process.env.MEND_TEST_DIR = dir;
  process.env.MEND_TEST_KUBECONFIG = cluster.kubeconfig;
  Object.assign(globalThis, { mendDevServer: server, mendKubeCluster: cluster });
}
