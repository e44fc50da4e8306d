import { rmSync } from 'node:fs';
import type { DevServer, KubeCluster } from '../helpers/processes';

export default async function globalTeardown(): Promise<void> {
  const { mendDevServer, mendKubeCluster } = globalThis as { mendDevServer?: Pick<DevServer, 'stop'>; mendKubeCluster?: KubeCluster };
  await Promise.all([mendDevServer?.stop(), mendKubeCluster?.stop()]);
  // The run's scratch data (topologies left by a failed test, snapshots, the bundle): nothing piles up between runs.
  if (process.env.MEND_TEST_DIR) rmSync(process.env.MEND_TEST_DIR, { recursive: true, force: true });
}
