// MariaDB and MySQL 8 behind one interface: the statements and column names that differ, chosen by SELECT VERSION().
import type { Connection } from 'mysql2/promise';
import { rows, type Row } from './connections';

export type Flavor = 'mariadb' | 'mysql';

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
}

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
};

export function dialectOf(version: string): Dialect {
  return /mariadb/i.test(version) ? mariadb : mysql;
}

export async function detectDialect(c: Connection): Promise<{ version: string; dialect: Dialect }> {
  const [row] = await rows(c, 'SELECT VERSION() AS version');
  const version = String(row.version);
  return { version, dialect: dialectOf(version) };
}
