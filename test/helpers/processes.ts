// Starting and stopping the real servers tests use.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../common/project-root';
import { freePort, portOpen, stopProcess, waitForPort } from '../../common/processes';
import { provisioned } from '../../common/provisioned';

export { freePort, portOpen, provisioned, stopProcess, waitForPort };
export { type DevServer, type DevServerOptions, startDevServer } from '../../common/dev-server';

export const root = projectRoot();

/** A fresh folder in the run's scratch folder (deleted at teardown); in the OS temp folder outside a test run. */
export const scratchDir = (prefix: string) => mkdtempSync(join(process.env.MEND_TEST_DIR ?? tmpdir(), prefix));

export const provisionedChromium = () => provisioned('chromium', 'CHROMIUM_BIN');

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A private redis-server per test file: INFO stats are server-wide, so files must not share one. */
export async function startRedis(): Promise<RedisServer> {
  const redisServer = provisioned('redis', 'REDIS_SERVER');
  const port = await freePort();
  const child = spawn(redisServer, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(port, 10_000, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, port, stop: () => stopProcess(child) };
}

export interface KubeCluster {
  kubeconfig: string;
  stop(): Promise<void>;
}

/** A Kubernetes control plane with kwok nodes (scripts/kube-cluster.sh), its state under workdir. */
export async function startKubeCluster(workdir: string, name = 'mend-test'): Promise<KubeCluster> {
  const script = join(root, 'scripts', 'kube-cluster.sh');
  const env = { ...process.env, KWOK_WORKDIR: workdir };
  const run = (...args: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b));
      child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`kube-cluster.sh ${args.join(' ')} exited ${code}`))));
    });
  const kubeconfig = await run('up', name);
  return { kubeconfig, stop: async () => void (await run('down', name)) };
}
