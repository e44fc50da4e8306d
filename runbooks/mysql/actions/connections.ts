// Connections to the servers of each configured MySQL/MariaDB cluster: one per call, with a short connect timeout,
// so a dead server is found fast and nothing is left holding a socket to it.
import { nonRetryable, toMs } from 'mend';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { MysqlConfig } from '../config';

export type Row = RowDataPacket;

export class MysqlClusters {
  constructor(private readonly clusters: MysqlConfig) {}

  /** The account and password replicas use to connect to their source. */
  replication(cluster: string): { user: string; password: string } {
    const config = this.config(cluster);
    return { user: config.replicationUser, password: config.replicationPasswordEnv ? (process.env[config.replicationPasswordEnv] ?? '') : '' };
  }

  /** mend's own account on the cluster's servers (for tools such as mariadb-dump). */
  login(cluster: string): { user: string; password?: string } {
    const config = this.config(cluster);
    return { user: config.user, password: config.passwordEnv ? process.env[config.passwordEnv] : undefined };
  }

  /** Where the cluster's backups are kept, how many, and where the MariaDB programs are. */
  backupSettings(cluster: string) {
    return this.config(cluster).backup;
  }

  /** The cluster's failover settings. */
  failoverSettings(cluster: string) {
    const { autoFailover, writerEndpoint, blockAfterFailover, hooks } = this.config(cluster);
    return { autoFailover, writerEndpoint, blockAfterFailover, hooks };
  }

  /** The cluster's servers, host:port, as configured. */
  nodes(cluster: string): string[] {
    return this.config(cluster).nodes;
  }

  /**
   * Like `on`, but gives up after the connect timeout for the whole exchange: a hung server (stopped, or stuck
   * before its handshake) counts as not answering instead of holding the caller. For probes and state reads.
   */
  async quick<T>(cluster: string, node: string, use: (c: Connection) => Promise<T>): Promise<T> {
    const limitMs = toMs(this.config(cluster).connectTimeout);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ETIMEDOUT no answer within ${limitMs} ms`)), limitMs);
    });
    try {
      return await Promise.race([this.on(cluster, node, use), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Refuses (no retry) a server that is not one of the cluster's. */
  member(cluster: string, node: string): void {
    if (!this.config(cluster).nodes.includes(node)) throw nonRetryable(`${node} is not a server of MySQL cluster "${cluster}"`);
  }

  /** Runs `use` on a fresh connection to one server, closing it after. */
  async on<T>(cluster: string, node: string, use: (c: Connection) => Promise<T>): Promise<T> {
    this.member(cluster, node);
    const [host, port] = node.split(':');
    const connection = await createConnection({
      host,
      port: Number(port),
      ...this.login(cluster),
      connectTimeout: toMs(this.config(cluster).connectTimeout),
      multipleStatements: false,
    });
    try {
      return await use(connection);
    } catch (err) {
      // mysql2 puts the statement with its values filled in on the error (a CHANGE MASTER's password, for one):
      // it would reach the worker's log and the workflow's history.
      if (err && typeof err === 'object') delete (err as { sql?: string }).sql;
      throw err;
    } finally {
      connection.destroy();
    }
  }

  private config(cluster: string) {
    const config = this.clusters[cluster];
    if (!config) throw nonRetryable(`no MySQL cluster named "${cluster}" in config (known: ${Object.keys(this.clusters).join(', ') || 'none'})`);
    return config;
  }
}

/** Rows of a query, read by column name. */
export async function rows(c: Connection, sql: string, params: unknown[] = []): Promise<Row[]> {
  const [result] = await c.query<Row[]>(sql, params);
  return result;
}
