// Faults `mend drill` injects into a MySQL/MariaDB cluster marked `drill: allowed`: the primary killed (kill -9 of
// its mariadbd, on the worker's own host) and a replica's SQL thread stopped. Each undo leaves one writable primary
// with every other server replicating from it.
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { defineDrills, drillTargets, errorMessage, nonRetryable } from 'mend';
import type { MysqlConfig } from './config';
import { MysqlClusters, rows } from './actions/connections';
import { healthActivities, type ServerState } from './actions/health';

/** What is wrong with the topology, or undefined when one primary takes writes and every replica keeps up with it. */
function topologyProblem(servers: ServerState[]): string | undefined {
  const down = servers.filter((s) => !s.reachable);
  if (down.length) return `${down.map((s) => s.node).join(', ')} not answering`;
  const writers = servers.filter((s) => !s.readOnly);
  if (writers.length !== 1) return `${writers.length} writable servers`;
  const primary = writers[0].node;
  for (const s of servers) {
    if (s.node === primary) continue;
    if (s.replica?.source !== primary) return `${s.node} does not replicate from the primary ${primary}`;
    if (!s.replica.ioRunning || !s.replica.sqlRunning) return `${s.node}'s replication threads are not both running`;
    if ((s.replica.lagSeconds ?? 0) > 5) return `${s.node} lags ${s.replica.lagSeconds}s`;
  }
  return undefined;
}

const primaryOf = (servers: ServerState[]) => servers.find((s) => s.reachable && !s.readOnly)?.node;

/**
 * The server's process on this host: its pid (from its pid file), command line and working folder. Refused unless
 * that process is a mysqld or mariadbd listening on the node's port: a pid file at the same path on another host's
 * server would name some other process here.
 */
async function localProcess(clusters: MysqlClusters, cluster: string, node: string): Promise<{ pid: number; argv: string[]; cwd: string }> {
  const [row] = await clusters.on(cluster, node, (c) => rows(c, 'SELECT @@pid_file AS pidFile, @@port AS port'));
  const here = `(this injector kills a server on the worker's own host)`;
  let pid: number;
  let argv: string[];
  try {
    pid = Number(readFileSync(String(row.pidFile), 'utf8').trim());
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch (err) {
    throw nonRetryable(`${node}'s process is not found from its pid file ${row.pidFile} ${here}: ${errorMessage(err)}`);
  }
  const server = /(^|\/)(mysqld|mariadbd)$/.test(argv[0] ?? '');
  const port = argv.find((a) => a.startsWith('--port='))?.slice('--port='.length);
  if (!server || (port !== undefined && Number(port) !== Number(row.port)))
    throw nonRetryable(`pid ${pid} of ${row.pidFile} is not ${node}'s server here ${here}: ${argv.join(' ')}`);
  return { pid, argv, cwd: readlinkSync(`/proc/${pid}/cwd`) };
}

async function until(what: string, check: () => Promise<boolean>, withinMs = 60_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs / 1000}s`);
    await delay(250);
  }
}

export default defineDrills({
  create(config: MysqlConfig) {
    const clusters = new MysqlClusters(config);
    const health = healthActivities(clusters);
    const servers = (cluster: string) => health.mysqlServers({ cluster });
    const targets = drillTargets(config);
    const healthy = async (cluster: string) => topologyProblem(await servers(cluster));

    return {
      scenarios: {
        'mysql-primary-killed': {
          description: "kill -9 of the primary's mariadbd",
          targets,
          expects: { alert: 'MysqlDown', runbook: 'mysql-primary-failover' },
          healthy,
          async inject(cluster: string) {
            const primary = primaryOf(await servers(cluster));
            if (!primary) throw nonRetryable(`cluster ${cluster} has no writable primary to kill`);
            const { pid, argv, cwd } = await localProcess(clusters, cluster, primary);
            process.kill(pid, 'SIGKILL');
            return { node: primary, pid, argv, cwd };
          },
          async undo(cluster: string, injected) {
            const node = String(injected.node);
            const done: string[] = [];
            const answers = async () => (await servers(cluster)).find((s) => s.node === node)?.reachable === true;
            if (!(await answers())) {
              const [bin, ...args] = injected.argv as string[];
              spawn(bin, args, { cwd: String(injected.cwd), detached: true, stdio: 'ignore' }).unref();
              await until(`${node} to answer again`, answers);
              done.push(`started ${node} again (read-only)`);
            }
            const now = await servers(cluster);
            const others = now.filter((s) => s.node !== node && !s.readOnly);
            if (others.length === 1) {
              const source = others[0].node;
              const me = now.find((s) => s.node === node)!;
              if (me.replica?.source !== source || !me.replica.ioRunning || !me.replica.sqlRunning) {
                const [host, port] = source.split(':');
                const login = clusters.replication(cluster);
                await clusters.on(cluster, node, async (c) => {
                  await c.query('STOP SLAVE');
                  await c.query(
                    `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = current_pos, MASTER_CONNECT_RETRY = 1`,
                    [host, Number(port), login.user, login.password],
                  );
                  await c.query('START SLAVE');
                });
                done.push(`made ${node} a replica of the new primary ${source}`);
              }
            } else if (others.length === 0) {
              await clusters.on(cluster, node, async (c) => {
                await c.query('SET GLOBAL rpl_semi_sync_master_enabled = 1');
                await c.query('SET GLOBAL read_only = 0');
              });
              done.push(`gave ${node} its writes back (no failover happened)`);
            }
            return done.join('; ') || `${node} was already back`;
          },
        },
        'mysql-replica-sql-stopped': {
          description: "a replica's SQL thread stopped",
          targets,
          expects: { alert: 'MysqlSlaveSqlThreadNotRunning', runbook: 'mysql-replication-repair' },
          healthy,
          async inject(cluster: string) {
            const replica = (await servers(cluster)).find((s) => s.reachable && s.replica);
            if (!replica) throw nonRetryable(`cluster ${cluster} has no replica`);
            await clusters.on(cluster, replica.node, (c) => c.query('STOP SLAVE SQL_THREAD'));
            return { node: replica.node };
          },
          async undo(cluster: string, injected) {
            const node = String(injected.node);
            const state = (await servers(cluster)).find((s) => s.node === node);
            if (state?.replica?.sqlRunning) return `${node}'s SQL thread was already running`;
            await clusters.on(cluster, node, (c) => c.query('START SLAVE SQL_THREAD'));
            return `started ${node}'s SQL thread`;
          },
        },
      },
    };
  },
});
