// MariaDB and MySQL 8 behind one interface: the statements and column names that differ, chosen by SELECT VERSION().
import type { Connection } from 'mysql2/promise';
import { rows, type Row } from './connections';

export type Flavor = 'mariadb' | 'mysql';
export type ReplicaThread = 'io' | 'sql';

export interface Dialect {
  flavor: Flavor;
  /** The GTID set this server has applied. */
  executedGtids: string;
  replicaStatus: string;
  ioRunning(r: Row): boolean;
  sqlRunning(r: Row): boolean;
  lagSeconds(r: Row): number | null;
  sourceHost(r: Row): string;
  sourcePort(r: Row): number;
  /** The GTIDs this replica has received from its source (applied or not). */
  receivedGtids(r: Row): string;
  /** SELECT that waits until the GTIDs are applied; returns 0 when they are, else a timeout. */
  waitForGtids: string;
  /** Starts replication: both threads, or only those named. */
  startReplica(threads?: readonly ReplicaThread[]): string;
  stopReplica(threads?: readonly ReplicaThread[]): string;
  /** Forgets the source entirely (a promoted replica). */
  resetReplicaAll: string;
  /** Points the server at a source by GTID; parameters: host, port, user, password. */
  changeSource: string;
  /** For a server that was not a replica (an old primary): replicate from where its own binlog ends. */
  adoptOwnPosition: string[];
  /** SELECT of `ro` (read_only: no ordinary writes) and `fenced` (no writes from any account the grants allow). */
  readOnlyState: string;
  /** Statements that fence the server (read-only) or make it writable. */
  setReadOnly(on: boolean): string[];
  /** SELECT of the primary-side semi-sync switch, as `semi`. */
  semiSyncEnabled: string;
  /** Statements that turn primary-side semi-sync on (lossless: AFTER_SYNC) or off. */
  setSemiSyncPrimary(on: boolean): string[];
}

const threadsClause = (threads?: readonly ReplicaThread[]) => (threads && threads.length === 1 ? ` ${threads[0] === 'io' ? 'IO_THREAD' : 'SQL_THREAD'}` : '');

const mariadb: Dialect = {
  flavor: 'mariadb',
  executedGtids: 'SELECT @@GLOBAL.gtid_current_pos AS gtids',
  replicaStatus: 'SHOW SLAVE STATUS',
  ioRunning: (r) => r.Slave_IO_Running === 'Yes',
  sqlRunning: (r) => r.Slave_SQL_Running === 'Yes',
  lagSeconds: (r) => (r.Seconds_Behind_Master === null ? null : Number(r.Seconds_Behind_Master)),
  sourceHost: (r) => String(r.Master_Host),
  sourcePort: (r) => Number(r.Master_Port),
  receivedGtids: (r) => String(r.Gtid_IO_Pos ?? ''),
  waitForGtids: 'SELECT MASTER_GTID_WAIT(?, ?) AS waited',
  startReplica: (threads) => `START SLAVE${threadsClause(threads)}`,
  stopReplica: (threads) => `STOP SLAVE${threadsClause(threads)}`,
  resetReplicaAll: 'RESET SLAVE ALL',
  changeSource: 'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
  // Its slave_pos is stale or empty: without this it would ask the new primary for binlogs from the very start.
  adoptOwnPosition: ['SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos'],
  // MariaDB has no super_read_only: application accounts must not hold READ ONLY ADMIN (deploy/mysql/grants.sql).
  readOnlyState: 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.read_only AS fenced',
  setReadOnly: (on) => [`SET GLOBAL read_only = ${on ? 1 : 0}`],
  semiSyncEnabled: 'SELECT @@GLOBAL.rpl_semi_sync_master_enabled AS semi',
  setSemiSyncPrimary: (on) =>
    on ? ["SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'", 'SET GLOBAL rpl_semi_sync_master_enabled = 1'] : ['SET GLOBAL rpl_semi_sync_master_enabled = 0'],
};

const mysql: Dialect = {
  flavor: 'mysql',
  executedGtids: 'SELECT @@GLOBAL.gtid_executed AS gtids',
  replicaStatus: 'SHOW REPLICA STATUS',
  ioRunning: (r) => r.Replica_IO_Running === 'Yes',
  sqlRunning: (r) => r.Replica_SQL_Running === 'Yes',
  lagSeconds: (r) => (r.Seconds_Behind_Source === null ? null : Number(r.Seconds_Behind_Source)),
  sourceHost: (r) => String(r.Source_Host),
  sourcePort: (r) => Number(r.Source_Port),
  receivedGtids: (r) => String(r.Retrieved_Gtid_Set ?? ''),
  waitForGtids: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?) AS waited',
  startReplica: (threads) => `START REPLICA${threadsClause(threads)}`,
  stopReplica: (threads) => `STOP REPLICA${threadsClause(threads)}`,
  resetReplicaAll: 'RESET REPLICA ALL',
  changeSource: 'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1',
  adoptOwnPosition: [], // auto-position starts from gtid_executed
  // super_read_only holds even accounts with SUPER/CONNECTION_ADMIN; turning it on turns read_only on too.
  readOnlyState: 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.super_read_only AS fenced',
  setReadOnly: (on) => (on ? ['SET GLOBAL super_read_only = 1'] : ['SET GLOBAL super_read_only = 0', 'SET GLOBAL read_only = 0']),
  semiSyncEnabled: 'SELECT @@GLOBAL.rpl_semi_sync_source_enabled AS semi',
  setSemiSyncPrimary: (on) =>
    on ? ["SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'", 'SET GLOBAL rpl_semi_sync_source_enabled = 1'] : ['SET GLOBAL rpl_semi_sync_source_enabled = 0'],
};

export function dialectOf(version: string): Dialect {
  return /mariadb/i.test(version) ? mariadb : mysql;
}

export async function detectDialect(c: Connection): Promise<{ version: string; dialect: Dialect }> {
  const [row] = await rows(c, 'SELECT VERSION() AS version');
  const version = String(row.version);
  return { version, dialect: dialectOf(version) };
}
