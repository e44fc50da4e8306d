// Reading a replication topology: which servers answer, their role, replication threads, lag, GTID positions,
// semi-sync, errant transactions, and connections against max_connections with the top of the processlist.
import { Context } from '@temporalio/activity';
import { heartbeating, reportProgress } from 'mend/node';
import type { Connection } from 'mysql2/promise';
import { setTimeout as delay } from 'node:timers/promises';
import { rows, type MysqlClusters, type Row } from './connections';
import { detectDialect, type Dialect, type Flavor } from './dialect';
import { errantGtids } from './gtid';

export interface ReplicaThreads {
  source: string;
  ioRunning: boolean;
  sqlRunning: boolean;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  lagSeconds: number | null;
  receivedGtids: string;
}

export interface ServerState {
  node: string;
  reachable: boolean;
  error?: string;
  version?: string;
  flavor?: Flavor;
  serverId?: number;
  readOnly?: boolean;
  executedGtids?: string;
  /** MariaDB's per-server GTID state, for errant transaction checks. */
  binlogState?: string;
  replica?: ReplicaThreads;
  semiSync?: { primaryEnabled: boolean; primaryOn: boolean; clients: number };
}

export interface ProbeResult {
  node: string;
  reachable: boolean;
  failures: number;
  probes: number;
  errors: string[];
}

/** Heartbeat details of the probes: how many were made and failed so far. */
export interface ProbeProgress {
  probed: number;
  of: number;
  failures: number;
}

export interface ReplicasLost {
  /** Every replica of the primary that answers has lost its IO thread to it. */
  agreed: boolean;
  replicas: ServerState[];
}

/** The probes' result, and the replicas' when every probe failed. */
export interface DeadOrNot {
  probe: ProbeResult;
  replicas?: ReplicasLost;
}

export interface ConnectionUse {
  node: string;
  connected: number;
  maxConnections: number;
  ratio: number;
  top: { id: number; user: string; host: string; db: string | null; command: string; seconds: number; state: string; query: string | null }[];
}

export function healthActivities(clusters: MysqlClusters) {
  const readServer = async (cluster: string, node: string): Promise<ServerState> => {
    try {
      return await clusters.quick(cluster, node, (c) => serverState(c, node));
    } catch (err) {
      return { node, reachable: false, error: message(err) };
    }
  };

  const readAll = (cluster: string) => Promise.all(clusters.nodes(cluster).map((node) => readServer(cluster, node)));

  /** Polls the replicas every 200 ms, calling `beat` (a heartbeat) between polls. */
  const replicasLost = async (cluster: string, primary: string, withinMs: number, signal: AbortSignal, beat: () => void): Promise<ReplicasLost> => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const replicas = (await readAll(cluster)).filter((s) => s.reachable && s.replica?.source === primary);
      const agreed = replicas.length > 0 && replicas.every((r) => !r.replica!.ioRunning);
      if (agreed || Date.now() + 200 > deadline) return { agreed, replicas };
      beat();
      await delay(200, undefined, { signal });
    }
  };

  /** `onFailure` is told each failed probe. */
  const probe = async (cluster: string, node: string, probes: number, intervalMs: number, onFailure: (p: ProbeProgress) => void): Promise<ProbeResult> => {
    clusters.member(cluster, node); // a stranger is refused, not counted as a failed probe
    const errors: string[] = [];
    for (let i = 0; i < probes; i++) {
      if (i > 0) await delay(intervalMs);
      try {
        await clusters.quick(cluster, node, (c) => c.query('SELECT 1'));
      } catch (err) {
        errors.push(message(err));
        onFailure({ probed: i + 1, of: probes, failures: errors.length });
      }
    }
    return { node, reachable: errors.length < probes, failures: errors.length, probes, errors };
  };

  return {
    /** Every server of the cluster, read at once; a server that does not answer is reported, not thrown. */
    async mysqlServers({ cluster }: { cluster: string }): Promise<ServerState[]> {
      return readAll(cluster);
    },

    /**
     * The primary's replicas, once every one that answers has lost its IO thread to it (agreed), or as they are
     * when `withinMs` runs out (not agreed). Heartbeats while it waits.
     */
    async mysqlReplicasLost({ cluster, primary, withinMs }: { cluster: string; primary: string; withinMs: number }): Promise<ReplicasLost> {
      return replicasLost(cluster, primary, withinMs, Context.current().cancellationSignal, () => Context.current().heartbeat());
    },

    /** N probes (a connection and SELECT 1 each, with the cluster's connect timeout), `intervalMs` apart; heartbeats each failure. */
    async mysqlProbe({ cluster, node, probes = 3, intervalMs = 500 }: { cluster: string; node: string; probes?: number; intervalMs?: number }): Promise<ProbeResult> {
      return probe(cluster, node, probes, intervalMs, reportProgress); // the first failure is sent at once, later ones throttled
    },

    /**
     * Whether `primary` is dead, asked both ways at once: the probes (all must fail) and its replicas (every one
     * that answers must have lost its IO thread to it within `withinMs` of the first probe, and still have once the
     * last probe failed). A probe that answers ends the wait for the replicas. Heartbeats with the probes' progress.
     */
    async mysqlConfirmDead(input: { cluster: string; primary: string; probes: number; intervalMs: number; withinMs: number }): Promise<DeadOrNot> {
      const { cluster, primary, withinMs } = input;
      let progress: ProbeProgress = { probed: 0, of: input.probes, failures: 0 };
      // Heartbeats for its whole life with the probes' progress: a failed probe at once, and every 5 s.
      return heartbeating(
        async (cancelled) => {
          const answered = new AbortController();
          const stop = AbortSignal.any([answered.signal, cancelled]);
          const quiet = () => undefined;
          const lost = replicasLost(cluster, primary, withinMs, stop, quiet);
          lost.catch(() => undefined); // its failure (cancelled) is thrown where it is awaited
          try {
            const probed = await probe(cluster, primary, input.probes, input.intervalMs, (p) => reportProgress((progress = p)));
            if (probed.reachable) return { probe: probed };
            const replicas = await lost;
            // Agreed while the probes went on: it must still hold now that the last probe failed.
            return { probe: probed, replicas: replicas.agreed ? await replicasLost(cluster, primary, 0, stop, quiet) : replicas };
          } finally {
            answered.abort(); // a probe that answered (or failed to run) ends the wait for the replicas
            await lost.catch(() => undefined);
          }
        },
        () => progress,
      );
    },

    /** Transactions on `replica` that `primary` never had (MariaDB GTID state, or MySQL's GTID_SUBTRACT). */
    async mysqlErrantGtids({ cluster, replica, primary }: { cluster: string; replica: string; primary: string }): Promise<string[]> {
      const [r, p] = await Promise.all([readServer(cluster, replica), readServer(cluster, primary)]);
      if (!r.reachable || !p.reachable)
        throw new Error(
          `cannot compare GTIDs: ${[r, p]
            .filter((s) => !s.reachable)
            .map((s) => `${s.node}: ${s.error}`)
            .join('; ')}`,
        );
      if (r.flavor === 'mariadb') return errantGtids(r.binlogState ?? '', p.binlogState ?? '');
      const [row] = await clusters.on(cluster, primary, (c) => rows(c, 'SELECT GTID_SUBTRACT(?, ?) AS errant', [r.executedGtids, p.executedGtids]));
      return String(row.errant || '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean);
    },

    /** Connections against max_connections, and the longest-running statements. */
    async mysqlConnections({ cluster, node, top = 10 }: { cluster: string; node: string; top?: number }): Promise<ConnectionUse> {
      return clusters.on(cluster, node, (c) => connectionUse(c, node, top));
    },
  };
}

/** A statement as mend records it (workflow history, logs): cut to `length`, hidden when it may carry a password. */
export const statementExcerpt = (sql: string, length: number): string =>
  /IDENTIFIED|PASSWORD/i.test(sql) ? '(hidden: it may carry a password)' : sql.length > length ? `${sql.slice(0, length)}…` : sql;

/** Connections against max_connections, and the longest-running sessions (statement excerpts), on one connection. */
export async function connectionUse(c: Connection, node: string, top: number): Promise<ConnectionUse> {
  const [status] = await rows(c, "SHOW GLOBAL STATUS LIKE 'Threads_connected'");
  const [vars] = await rows(c, 'SELECT @@GLOBAL.max_connections AS max');
  const list = await rows(
    c,
    "SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE, LEFT(INFO, 200) AS INFO FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Daemon' ORDER BY TIME DESC LIMIT ?",
    [top],
  );
  const connected = Number(status.Value);
  const maxConnections = Number(vars.max);
  return {
    node,
    connected,
    maxConnections,
    ratio: connected / maxConnections,
    top: list.map((p) => ({
      id: Number(p.ID),
      user: String(p.USER),
      host: String(p.HOST),
      db: p.DB === null ? null : String(p.DB),
      command: String(p.COMMAND),
      seconds: Number(p.TIME),
      state: String(p.STATE ?? ''),
      query: p.INFO === null ? null : statementExcerpt(String(p.INFO), 200),
    })),
  };
}

async function serverState(c: Connection, node: string): Promise<ServerState> {
  const { version, dialect } = await detectDialect(c);
  const [vars] = await rows(c, `SELECT @@GLOBAL.server_id AS id, @@GLOBAL.read_only AS ro${dialect.flavor === 'mariadb' ? ', @@GLOBAL.gtid_binlog_state AS state' : ''}`);
  const [executed] = await rows(c, dialect.executedGtids);
  const [status] = await rows(c, dialect.replicaStatus);
  const semi = dialect.flavor === 'mariadb' ? await semiSync(c) : undefined;
  return {
    node,
    reachable: true,
    version,
    flavor: dialect.flavor,
    serverId: Number(vars.id),
    readOnly: Number(vars.ro) === 1,
    executedGtids: String(executed.gtids ?? ''),
    binlogState: vars.state === undefined ? undefined : String(vars.state),
    replica: status && replicaThreads(status, dialect),
    semiSync: semi,
  };
}

/** A replica's threads, source, lag and received GTIDs, from its SHOW SLAVE STATUS (or SHOW REPLICA STATUS) row. */
export function replicaThreads(status: Row, dialect: Dialect): ReplicaThreads {
  return {
    source: `${dialect.sourceHost(status)}:${dialect.sourcePort(status)}`,
    ioRunning: dialect.ioRunning(status),
    sqlRunning: dialect.sqlRunning(status),
    lastIoErrno: Number(status.Last_IO_Errno ?? 0),
    lastIoError: String(status.Last_IO_Error ?? ''),
    lastSqlErrno: Number(status.Last_SQL_Errno ?? 0),
    lastSqlError: String(status.Last_SQL_Error ?? ''),
    lagSeconds: dialect.lagSeconds(status),
    receivedGtids: dialect.receivedGtids(status),
  };
}

async function semiSync(c: Connection): Promise<ServerState['semiSync']> {
  const found = await rows(c, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')");
  const [enabled] = await rows(c, 'SELECT @@GLOBAL.rpl_semi_sync_master_enabled AS on_');
  const value = (name: string) => found.find((r) => r.Variable_name === name)?.Value;
  return { primaryEnabled: Number(enabled.on_) === 1, primaryOn: value('Rpl_semi_sync_master_status') === 'ON', clients: Number(value('Rpl_semi_sync_master_clients') ?? 0) };
}

const message = (err: unknown) => (err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}`.trim() : String(err));
