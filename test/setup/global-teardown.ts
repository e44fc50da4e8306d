import type { DevServer, KubeCluster } from '../helpers/processes';

export default async function globalTeardown(): Promise<void> {
  const { mendDevServer, mendKubeCluster } = globalThis as { mendDevServer?: DevServer; mendKubeCluster?: KubeCluster };
  await Promise.all([mendDevServer?.stop(), mendKubeCluster?.stop()]);
}
