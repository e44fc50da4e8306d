// The changes a failover or switchover makes, each idempotent and checked before acting: wait until a replica has
// applied what it received, promote it (writable, semi-sync on), point a server at a new source, make a server
// read-only, fence a server.
import { nonRetryable } from 'mend';
import type { Connection } from 'mysql2/promise';
import { rows, type MysqlClusters } from './connections';
import { detectDialect } from './dialect';
import { healthActivities } from './health';

export interface FailoverSettings {
  autoFailover: boolean;
  writerEndpoint: boolean;
  /** Optional: runs recorded before it existed replay without it. */
  blockAfterFailover?: string;
  /** How many commands each hook runs, and how long each may take (optional, like blockAfterFailover). */
  hooks?: { preFailover: number; postFailover: number; timeout: string };
}

export interface OnNode {
  cluster: string;
  node: string;
  dryRun?: boolean;
}

export function failoverActivities(clusters: MysqlClusters) {
  return {
    /**
     * Waits until the server has applied these GTIDs (MASTER_GTID_WAIT), starting its SQL thread if it was stopped;
     * fails when they are not applied in time.
     */
    async mysqlWaitApplied({ cluster, node, gtids, withinSeconds }: OnNode & { gtids: string; withinSeconds: number }): Promise<{ waitedMs: number }> {
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const [replica] = await rows(c, dialect.replicaStatus);
        if (replica && !dialect.sqlRunning(replica)) await c.query(dialect.startReplica(['sql']));
        const started = Date.now();
        const [row] = await rows(c, dialect.waitForGtids, [gtids, withinSeconds]);
        if (Number(row.waited) !== 0) throw new Error(`${node} did not apply ${gtids} within ${withinSeconds}s`);
        return { waitedMs: Date.now() - started };
      });
    },

    /** Makes the server the primary: replication stopped and forgotten, semi-sync on (AFTER_SYNC), writable. */
    async mysqlPromote({ cluster, node, dryRun }: OnNode): Promise<{ changed: boolean }> {
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const [replica] = await rows(c, dialect.replicaStatus);
        const [state] = await rows(c, dialect.readOnlyState);
        const [semi] = await rows(c, dialect.semiSyncEnabled);
        if (!replica && Number(state.ro) === 0 && Number(semi.semi) === 1) return { changed: false };
        if (dryRun) return { changed: true };
        if (replica) await run(c, [dialect.stopReplica(), dialect.resetReplicaAll]);
        await run(c, [...dialect.setSemiSyncPrimary(true), ...dialect.setReadOnly(false)]);
        return { changed: true };
      });
    },

    /**
     * Makes the server a read-only replica of `source`, by GTID (slave_pos). Already so and running: no change.
     * A server holding transactions the source never had (errant GTIDs, e.g. an old primary's last writes) is
     * refused: it has diverged and must be rebuilt, never patched over.
     */
    async mysqlReplicateFrom({ cluster, node, source, dryRun }: OnNode & { source: string }): Promise<{ changed: boolean }> {
      clusters.member(cluster, source);
      const errant = await healthActivities(clusters).mysqlErrantGtids({ cluster, replica: node, primary: source });
      if (errant.length) throw nonRetryable(`${node} has transactions ${source} never had (${errant.join(', ')}): it has diverged; rebuild it`, { errant });
      const [host, port] = source.split(':');
      const { user, password } = clusters.replication(cluster);
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const [replica] = await rows(c, dialect.replicaStatus);
        const same = replica && dialect.sourceHost(replica) === host && dialect.sourcePort(replica) === Number(port);
        if (same && dialect.ioRunning(replica) && dialect.sqlRunning(replica)) return { changed: false };
        if (dryRun) return { changed: true };
        await run(c, [...dialect.setReadOnly(true), ...dialect.setSemiSyncPrimary(false)]);
        if (replica) await c.query(dialect.stopReplica());
        else await run(c, dialect.adoptOwnPosition); // no errant GTIDs (checked above): its binlog is the source's past
        await c.query(dialect.changeSource, [host, Number(port), user, password]);
        await c.query(dialect.startReplica());
        return { changed: true };
      });
    },

    /** The cluster's failover settings (from config), for the runbook to decide by. */
    async mysqlFailoverSettings({ cluster }: { cluster: string }): Promise<FailoverSettings> {
      const { autoFailover, writerEndpoint, blockAfterFailover, hooks } = clusters.failoverSettings(cluster);
      return {
        autoFailover,
        writerEndpoint: !!writerEndpoint,
        blockAfterFailover,
        hooks: { preFailover: hooks.preFailover.length, postFailover: hooks.postFailover.length, timeout: hooks.timeout },
      };
    },

    /** Makes a server read-only or writable (a switchover's first step, and its undo). Already so: no change. */
    async mysqlSetReadOnly({ cluster, node, readOnly, dryRun }: OnNode & { readOnly: boolean }): Promise<{ changed: boolean }> {
      return clusters.on(cluster, node, async (c) => {
        const { dialect } = await detectDialect(c);
        const [state] = await rows(c, dialect.readOnlyState);
        if (readOnly ? Number(state.fenced) === 1 : Number(state.ro) === 0) return { changed: false };
        if (!dryRun) await run(c, dialect.setReadOnly(readOnly));
        return { changed: true };
      });
    },

    /** Fences an old primary: read-only now if it answers; if not, it starts read-only when it returns. */
    async mysqlFence({ cluster, node, dryRun }: OnNode): Promise<{ fenced: string }> {
      try {
        return await clusters.quick(cluster, node, async (c) => {
          if (!dryRun) await run(c, (await detectDialect(c)).dialect.setReadOnly(true));
          return { fenced: 'read_only set' };
        });
      } catch (err) {
        return { fenced: `unreachable (${(err as Error).message}): it starts read-only when it returns` };
      }
    },
  };
}

async function run(c: Connection, statements: string[]): Promise<void> {
  for (const sql of statements) await c.query(sql);
}
