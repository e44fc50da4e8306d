// Once per test run: a Temporal dev server and a Kubernetes cluster shared by all files, and the workflow bundle.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { provisioned, root, startDevServer, startKubeCluster } from '../helpers/processes';

export default async function globalSetup(): Promise<void> {
  provisioned('test-server', 'MEND_TEST_SERVER');
  provisioned('redis', 'REDIS_SERVER');
  const dir = mkdtempSync(join(tmpdir(), 'mend-test-'));
  const [server, cluster, bundle] = await Promise.all([
    startDevServer(),
    startKubeCluster(join(dir, 'kwok')),
    bundleWorkflowCode({ workflowsPath: join(root, 'workflows', 'index.ts'), logger: quietLogger }),
  ]);
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.MEND_TEST_TEMPORAL = server.address;
  process.env.MEND_WORKFLOW_BUNDLE = bundlePath;
  process.env.MEND_TEST_DIR = dir;
  process.env.MEND_TEST_KUBECONFIG = cluster.kubeconfig;
  Object.assign(globalThis, { mendDevServer: server, mendKubeCluster: cluster });
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
