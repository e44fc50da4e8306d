// Broken replication: find replicas whose IO or SQL thread is not running and judge why (transient, or diverged),
// restart the stopped threads of a replica whose cause is transient, and check a replica has caught up with its source.
import { nonRetryable } from 'mend';
import type { Connection } from 'mysql2/promise';
import { rows, type MysqlClusters } from './connections';
import { detectDialect, type Dialect } from './dialect';
import { healthActivities, replicaThreads } from './health';

interface ThreadState {
  running: boolean;
  errno: number;
  error: string;
}

export interface ReplicaThreadsNow {
  source: string;
  io: ThreadState;
  sql: ThreadState;
}

export interface ReplicationFault extends ReplicaThreadsNow {
  node: string;
  /** Transactions the replica has that its source never had. */
  errant: string[];
  /** transient: restarting its threads is safe; diverged or unknown: people must look. */
  verdict: 'transient' | 'diverged' | 'unknown';
  /** The evidence, in a sentence. */
  why: string;
}

export interface CaughtUp extends ReplicaThreadsNow {
  node: string;
  /** The source's executed GTIDs when checked. */
  sourceGtids: string;
  /** Both threads run and the replica applied `sourceGtids` within the wait. */
  caughtUp: boolean;
}

// The IO thread lost its source for a while: the network, a restart, the source's connection limit.
const transientIo = new Set([1040, 1158, 1159, 1160, 1161, 2002, 2003, 2005, 2006, 2013]);
// The SQL thread gave up on a lock it would get on a retry.
const transientSql = new Set([1205, 1213]);
// The replica's data no longer matches the source's: restarting would skip or repeat transactions.
const divergedSql = new Set([1007, 1008, 1032, 1049, 1050, 1051, 1054, 1062, 1146, 1451, 1452]);
const ER_SOURCE_FATAL_READING_BINLOG = 1236;
const errorLength = 300;

export function replicationActivities(clusters: MysqlClusters) {
  const health = healthActivities(clusters);

  /** Judges a broken replica: its errant transactions (against its source) first, then its threads' errors. */
  const judge = async (cluster: string, node: string, threads: ReplicaThreadsNow): Promise<ReplicationFault> => {
    let errant: string[] = [];
    try {
      clusters.member(cluster, threads.source);
      errant = await health.mysqlErrantGtids({ cluster, replica: node, primary: threads.source });
    } catch (err) {
      return { node, ...threads, errant, verdict: 'unknown', why: `${describeThreads(threads)}; errant transactions cannot be checked: ${(err as Error).message}` };
    }
    return { node, ...threads, errant, ...classify(threads, errant) };
  };

  return {
    /** Replicas (every one, or `replica`) with a thread not running, each judged; replicas that run are left out. */
    async mysqlReplicationFaults({ cluster, replica }: { cluster: string; replica?: string }): Promise<ReplicationFault[]> {
      const faults: ReplicationFault[] = [];
      for (const node of replica ? [replica] : clusters.nodes(cluster)) {
        let threads: ReplicaThreadsNow | undefined;
        try {
          threads = await clusters.quick(cluster, node, async (c) => readThreads(c, (await detectDialect(c)).dialect));
        } catch (err) {
          if (replica) throw err;
          continue; // a server that does not answer is another runbook's case
        }
        if (!threads) {
          if (replica) throw nonRetryable(`${node} is not a replica`);
          continue;
        }
        if (!threads.io.running || !threads.sql.running) faults.push(await judge(cluster, node, threads));
      }
      return faults;
    },

    /**
     * Starts the replica's stopped threads. Precondition, checked again here: the cause is still transient (else
     * refused, with the evidence). Both threads already running: no change.
     */
    async mysqlStartReplication({ cluster, node, dryRun }: { cluster: string; node: string; dryRun?: boolean }): Promise<{ started: ('io' | 'sql')[] }> {
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const threads = await readThreads(c, dialect);
        if (!threads) throw nonRetryable(`${node} is not a replica`);
        const stopped = (['io', 'sql'] as const).filter((t) => !threads[t].running);
        if (!stopped.length) return { started: [] };
        const fault = await judge(cluster, node, threads);
        if (fault.verdict !== 'transient') throw nonRetryable(`${node} not restarted: ${fault.why}`, fault);
        if (!dryRun) await c.query(dialect.startReplica(stopped));
        return { started: stopped };
      });
    },

    /** Whether the replica runs both threads and has applied all its source had when asked (waits up to `waitSeconds`). */
    async mysqlReplicaCaughtUp({ cluster, node, waitSeconds = 1 }: { cluster: string; node: string; waitSeconds?: number }): Promise<CaughtUp> {
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const threads = await readThreads(c, dialect);
        if (!threads) throw nonRetryable(`${node} is not a replica`);
        const [source] = await clusters.quick(cluster, threads.source, (s) => rows(s, dialect.executedGtids));
        const sourceGtids = String(source.gtids ?? '');
        let caughtUp = false;
        if (threads.io.running && threads.sql.running) {
          const [row] = await rows(c, dialect.waitForGtids, [sourceGtids, waitSeconds]);
          caughtUp = Number(row.waited) === 0;
        }
        return { node, ...threads, sourceGtids, caughtUp };
      });
    },
  };
}

async function readThreads(c: Connection, dialect: Dialect): Promise<ReplicaThreadsNow | undefined> {
  const [status] = await rows(c, dialect.replicaStatus);
  if (!status) return undefined;
  const r = replicaThreads(status, dialect);
  return {
    source: r.source,
    io: { running: r.ioRunning, errno: r.lastIoErrno, error: r.lastIoError.slice(0, errorLength) },
    sql: { running: r.sqlRunning, errno: r.lastSqlErrno, error: r.lastSqlError.slice(0, errorLength) },
  };
}

/** Transient only when every stopped thread stopped with no error or a known transient one; unknown errors are not. */
function classify(threads: ReplicaThreadsNow, errant: string[]): Pick<ReplicationFault, 'verdict' | 'why'> {
  const state = describeThreads(threads);
  if (errant.length) return { verdict: 'diverged', why: `${state}; errant GTIDs ${errant.join(', ')}: transactions its source ${threads.source} never had` };
  const { io, sql } = threads;
  if (io.errno === ER_SOURCE_FATAL_READING_BINLOG) return { verdict: 'diverged', why: `${state}: the source no longer has the binlogs this replica needs, or they diverged` };
  if (divergedSql.has(sql.errno)) return { verdict: 'diverged', why: `${state}: its data has diverged from the source` };
  const ioOk = io.running || io.errno === 0 || transientIo.has(io.errno);
  const sqlOk = sql.running || sql.errno === 0 || transientSql.has(sql.errno);
  if (ioOk && sqlOk) return { verdict: 'transient', why: `${state}: transient` };
  return { verdict: 'unknown', why: `${state}: not a known transient error` };
}

function describeThreads({ io, sql }: ReplicaThreadsNow): string {
  const one = (name: string, t: ThreadState) => `${name} thread ${t.running ? 'running' : 'stopped'}${t.errno ? ` with error ${t.errno} (${t.error})` : ''}`;
  return `${one('IO', io)}, ${one('SQL', sql)}`;
}
