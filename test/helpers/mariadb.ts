// A real MariaDB topology per test file (scripts/mariadb-cluster.sh): a primary and two replicas on free ports.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { mysqlActivities } from '../../runbooks/mysql/actions/activities';
import { MysqlClusters } from '../../runbooks/mysql/actions/connections';
import type { RecoveryRecord } from '../../common/types';
import { mysqlClusterSchema, type MysqlConfig } from '../../runbooks/mysql/config';
import { portOpen, root, scratchDir } from './processes';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface MariadbTopology {
  dir: string;
  /** host:port of n1 (the primary at start), n2, n3. */
  nodes: string[];
  users: { repl: string; mend: string; app: string };
  /** A root connection over the server's socket (test setup and assertions only). */
  root(node: number): Promise<Connection>;
  app(node: number): Promise<Connection>;
  stop(): Promise<void>;
}

/** A port with the next `count - 1` free too (a topology: 3). */
export async function freeBasePort(count = 3): Promise<number> {
  for (;;) {
    // Below Linux's ephemeral range (32768+): a client's outgoing connection could hold a port there.
    const base = 20000 + Math.floor(Math.random() * 12000);
    const open = await Promise.all(Array.from({ length: count }, (_, i) => portOpen(base + i)));
    if (!open.some(Boolean)) return base;
  }
}

export async function startMariadbTopology(): Promise<MariadbTopology> {
  const dir = scratchDir('mariadb-');
  const script = join(root, 'scripts', 'mariadb-cluster.sh');
  const { stdout } = await run('bash', [script, 'up', dir, String(await freeBasePort())]);
  const topology = JSON.parse(readFileSync(stdout.trim(), 'utf8')) as {
    nodes: { host: string; port: number; socket: string }[];
    users: MariadbTopology['users'];
  };
  return {
    dir,
    nodes: topology.nodes.map((n) => `${n.host}:${n.port}`),
    users: topology.users,
    root: (i) => createConnection({ socketPath: topology.nodes[i].socket, user: 'root' }),
    app: (i) => createConnection({ host: topology.nodes[i].host, port: topology.nodes[i].port, user: 'app', password: topology.users.app, database: 'appdb' }),
    // Stopped and deleted (and a pristine copy, if made): three data directories are about 350 MB.
    stop: async () => {
      await run('bash', [script, 'down', dir]);
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.pristine`, { recursive: true, force: true });
    },
  };
}

/**
 * Stops the topology cleanly and keeps a copy of its data; the returned `reset` kills whatever runs, puts that copy
 * back and starts it in its first roles (n1 the writable semi-sync primary, n2 and n3 its replicas): a fresh
 * topology on the same ports and passwords in a few seconds, for tests that need one per run.
 */
export async function pristineCopy(db: MariadbTopology): Promise<() => Promise<void>> {
  const script = join(root, 'scripts', 'mariadb-cluster.sh');
  const pristine = `${db.dir}.pristine`;
  await run('bash', [script, 'down', db.dir]);
  await run('cp', ['-a', db.dir, pristine]);
  return async () => {
    // A pid file a kill -9 left behind may name a pid since reused: only a running mariadbd is killed.
    for (const node of [0, 1, 2]) if (isMariadbd(db, node)) kill9(db, node);
    await waitFor(async () => !(await Promise.all(db.nodes.map((n) => portOpen(Number(n.split(':')[1]))))).some(Boolean), 'the old servers to exit');
    rmSync(db.dir, { recursive: true, force: true });
    await run('cp', ['-a', pristine, db.dir]);
    await run('bash', [script, 'up', db.dir, db.nodes[0].split(':')[1]]);
    const primary = await db.root(0);
    try {
      // What the script's first set-up did by SQL: a restarted server comes back read-only, without semi-sync.
      await primary.query("SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC', GLOBAL rpl_semi_sync_master_enabled = 1, GLOBAL read_only = 0");
    } finally {
      await primary.end();
    }
    await waitFor(async () => (await globalStatus(db, 0, 'Rpl_semi_sync_master_clients')) === '2', 'both replicas to connect with semi-sync');
  };
}

/** mend's config for the topology as cluster `name` (with `extra` settings), its passwords put in the environment by name. */
export function mysqlConfig(db: MariadbTopology, name = 'default', extra: Record<string, unknown> = {}): MysqlConfig {
  const env = name.toUpperCase().replace(/-/g, '_');
  process.env[`MEND_TEST_MYSQL_PASSWORD_${env}`] = db.users.mend;
  process.env[`MEND_TEST_MYSQL_REPL_PASSWORD_${env}`] = db.users.repl;
  const cluster = {
    nodes: db.nodes,
    user: 'mend',
    passwordEnv: `MEND_TEST_MYSQL_PASSWORD_${env}`,
    replicationUser: 'repl',
    replicationPasswordEnv: `MEND_TEST_MYSQL_REPL_PASSWORD_${env}`,
    connectTimeout: '1s',
    autoFailover: true,
    writerEndpoint: { file: join(db.dir, 'writer.json') },
    ...extra,
  };
  return { [name]: mysqlClusterSchema.parse(cluster) };
}

/** A server's global status variable (e.g. Com_stop_slave, Rpl_semi_sync_master_no_tx), read as root. */
export async function globalStatus(db: MariadbTopology, node: number, name: string): Promise<string> {
  const root = await db.root(node);
  try {
    const [[row]] = (await root.query('SHOW GLOBAL STATUS LIKE ?', [name])) as unknown as [[{ Value: string }]];
    return row.Value;
  } finally {
    await root.end();
  }
}

/**
 * The primary acknowledged every commit only once a replica had it (semi-sync AFTER_SYNC, on, never fallen back to
 * async): what a zero-loss case rests on, checked before its primary is killed.
 */
export async function expectLosslessSemiSync(db: MariadbTopology): Promise<void> {
  const root = await db.root(0);
  try {
    const [[waitPoint]] = (await root.query("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync_master_wait_point'")) as unknown as [[{ Value: string }]];
    expect(waitPoint.Value).toBe('AFTER_SYNC');
  } finally {
    await root.end();
  }
  expect(await globalStatus(db, 0, 'Rpl_semi_sync_master_status')).toBe('ON');
  expect(await globalStatus(db, 0, 'Rpl_semi_sync_master_no_tx')).toBe('0');
}

/** mend's MySQL activities on a topology, called directly (as `name` in the config). */
export const mysqlActs = (db: MariadbTopology, name = 'default', extra: Record<string, unknown> = {}) => mysqlActivities(new MysqlClusters(mysqlConfig(db, name, extra)));

/** The server a failover or switchover promoted, read from its record's steps. */
export const promotedIn = (record: RecoveryRecord): string => record.attempts[0].steps.find((s) => s.name.startsWith('promote '))!.name.slice('promote '.length);

/** Kills a server with SIGKILL, as a crash would. */
export function kill9(db: MariadbTopology, node: number): void {
  process.kill(pidOf(db, node), 'SIGKILL');
}

/** The node's pid file names a running mariadbd. */
function isMariadbd(db: MariadbTopology, node: number): boolean {
  try {
    return readFileSync(`/proc/${pidOf(db, node)}/cmdline`, 'utf8').includes('mariadbd');
  } catch {
    return false;
  }
}

/** The server's pid, for SIGSTOP/SIGCONT. */
export const pidOf = (db: MariadbTopology, node: number) => Number(readFileSync(join(db.dir, `n${node + 1}.pid`), 'utf8'));
