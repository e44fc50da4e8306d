// Faults `mend drill` injects into a shop marked `drill: allowed` (its pool exhausted by its report bug; its runaway
// batch job flooding the database with connections; its process killed), and the workload that measures its SLI meanwhile: product reads
// and orders, each outcome recorded, every acknowledged order looked up afterwards.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { defineDrills, drillTargets, nonRetryable } from 'mend';
import { startLoad } from './app/load';
import type { ShopConfig } from './config';

export default defineDrills({
  create(config: ShopConfig) {
    const shopOf = (name: string) => {
      const shop = config[name];
      if (!shop) throw nonRetryable(`no shop named "${name}" in config`);
      return shop;
    };
    const call = async (name: string, method: string, path: string, body?: unknown, timeoutMs = 5000) => {
      const shop = shopOf(name);
      const res = await fetch(`${shop.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${process.env[shop.adminTokenEnv] ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
    };
    // A report reads through the pool: it answers only while the pool has a connection to give.
    const healthy = async (name: string) => {
      const report = await call(name, 'GET', '/reports/sales?since=2000-01-01').catch((err: Error) => ({ status: 0, body: { error: err.message } }));
      if (report.status !== 200) return `its sales report answers ${report.status || 'nothing'}: ${JSON.stringify(report.body)}`;
      const runaway = await call(name, 'GET', '/admin/runaway');
      return runaway.body?.running ? `its runaway job holds ${runaway.body.running} connections` : undefined;
    };
    const targets = drillTargets(config);
    const answers = async (name: string) => (await call(name, 'GET', '/health', undefined, 1000).catch(() => ({ status: 0 }))).status === 200;
    /** Waits up to `withinMs` for the shop to answer (true) or to stop answering (false). */
    const until = async (name: string, up: boolean, withinMs: number) => {
      for (const deadline = Date.now() + withinMs; Date.now() < deadline; await delay(200)) if ((await answers(name)) === up) return true;
      return false;
    };

    return {
      scenarios: {
        'shop-pool-exhausted': {
          description: "the shop's connection pool exhausted by its report bug (connections leaked)",
          targets,
          expects: { alert: 'ShopPoolErrors', runbook: 'db-pool-reset' },
          healthy,
          async inject(name: string) {
            let leaked = 0;
            // Each bad date leaks a connection; once none is left the report waits and fails.
            for (; leaked < 200; leaked++) {
              const { status } = await call(name, 'GET', '/reports/sales?since=not-a-date');
              if (status !== 400) break;
            }
            return { leaked };
          },
          async undo(name: string) {
            const { status, body } = await call(name, 'POST', '/admin/pool/reset', { key: `drill-undo-${Date.now()}` });
            if (status !== 200) throw new Error(`the pool reset answered ${status}: ${JSON.stringify(body)}`);
            return `reset the pool (${JSON.stringify(body)})`;
          },
        },
        'shop-connection-surge': {
          description: "the shop's runaway batch job holding slow reads on 90% of the database's connections",
          targets,
          expects: { alert: 'MysqlTooManyConnections', runbook: 'mysql-connection-surge' },
          healthy,
          async inject(name: string) {
            // About a hundred connections opened one by one: a slow machine needs time.
            const { status, body } = await call(name, 'POST', '/admin/runaway', { share: 0.9, seconds: 600 }, 60_000);
            if (status !== 200) throw nonRetryable(`the shop refused to start its runaway job: ${status} ${JSON.stringify(body)}`);
            return { opened: Number(body!.opened) };
          },
          async undo(name: string) {
            const { status, body } = await call(name, 'DELETE', '/admin/runaway');
            if (status !== 200) throw new Error(`stopping the runaway job answered ${status}: ${JSON.stringify(body)}`);
            return `stopped the runaway job (${body!.closed} connections it still held)`;
          },
        },
        'shop-process-crashed': {
          description: "the shop's process killed (kill -9); its service manager does not restart it by itself",
          // Only a shop whose startCommand can undo the crash.
          targets: Object.fromEntries(Object.entries(targets).filter(([name]) => config[name].startCommand)),
          expects: { alert: 'ShopDown', runbook: 'service-restart' },
          healthy,
          async inject(name: string) {
            const shop = shopOf(name);
            if (!shop.startCommand) throw nonRetryable(`shop ${name} has no startCommand: its crash could not be undone`);
            if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(shop.url).hostname)) throw nonRetryable(`shop ${name} is not on this host`);
            const { status, body } = await call(name, 'GET', '/admin/process');
            const pid = Number(body?.pid);
            if (status !== 200 || !(pid > 1)) throw nonRetryable(`the shop did not say its pid: ${status} ${JSON.stringify(body)}`);
            // The pid must still be the shop's own server, not a process that reused it.
            const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
            if (!argv.some((a) => /shop\/app\/server\.[jt]s$/.test(a))) throw nonRetryable(`pid ${pid} is not the shop's server: ${argv.join(' ')}`);
            process.kill(pid, 'SIGKILL');
            if (!(await until(name, false, 10_000))) throw new Error(`the shop still answers after kill -9 of pid ${pid}`);
            return { pid };
          },
          async undo(name: string) {
            if (await answers(name)) return 'the shop already runs again';
            const [command, ...args] = shopOf(name).startCommand!;
            const { stdout, stderr } = await promisify(execFile)(command, args, { timeout: 30_000 });
            if (!(await until(name, true, 30_000))) throw new Error(`the shop does not answer after ${command}: ${stdout}${stderr}`);
            return `started the shop (${`${stdout}${stderr}`.trim() || command})`;
          },
        },
      },
      workload: {
        async run(name, outcomesFile, signal) {
          const shop = shopOf(name);
          const load = startLoad({ url: shop.url, rate: shop.rate, orderShare: shop.orderShare, products: 100, timeoutMs: 2000, out: outcomesFile });
          if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          await load.stop();
        },
        async missing(name, ackedIds) {
          const { status, body } = await call(name, 'POST', '/admin/orders/missing', { ids: ackedIds });
          if (status !== 200) throw new Error(`the order check answered ${status}: ${JSON.stringify(body)}`);
          return body!.missing as number[];
        },
      },
    };
  },
});
