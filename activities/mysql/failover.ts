// The changes a failover or switchover makes, each idempotent and checked before acting: wait until a replica has
// applied what it received, promote it (writable, semi-sync on), point a server at a new source, fence a server.
import type { Connection } from 'mysql2/promise';
import { nonRetryable } from '../errors';
import { rows, type MysqlClusters } from './connections';
import { detectDialect } from './dialect';
import { healthActivities } from './health';

interface OnNode {
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
        if (replica && !dialect.sqlRunning(replica)) await c.query(dialect.flavor === 'mariadb' ? 'START SLAVE SQL_THREAD' : 'START REPLICA SQL_THREAD');
        const started = Date.now();
        const [row] = await rows(c, dialect.waitForGtids, [gtids, withinSeconds]);
        if (Number(row.waited) !== 0) throw new Error(`${node} did not apply ${gtids} within ${withinSeconds}s`);
        return { waitedMs: Date.now() - started };
      });
    },

    /** Makes the server the primary: replication stopped and forgotten, semi-sync on (AFTER_SYNC), writable. */
    async mysqlPromote({ cluster, node, dryRun }: OnNode): Promise<{ changed: boolean }> {
      return clusters.on(cluster, node, async (c) => {
        const [replica] = await rows(c, 'SHOW SLAVE STATUS');
        const [vars] = await rows(c, 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.rpl_semi_sync_master_enabled AS semi');
        if (!replica && Number(vars.ro) === 0 && Number(vars.semi) === 1) return { changed: false };
        if (dryRun) return { changed: true };
        if (replica) await run(c, ['STOP SLAVE', 'RESET SLAVE ALL']);
        await run(c, [
          "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'",
          'SET GLOBAL rpl_semi_sync_master_enabled = 1',
          'SET GLOBAL read_only = 0',
        ]);
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
        const [replica] = await rows(c, 'SHOW SLAVE STATUS');
        const same = replica && String(replica.Master_Host) === host && Number(replica.Master_Port) === Number(port);
        if (same && replica.Slave_IO_Running === 'Yes' && replica.Slave_SQL_Running === 'Yes') return { changed: false };
        if (dryRun) return { changed: true };
        await run(c, ['SET GLOBAL read_only = 1', 'SET GLOBAL rpl_semi_sync_master_enabled = 0']);
        if (replica) await run(c, ['STOP SLAVE']);
        await c.query(
          'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
          [host, Number(port), user, password],
        );
        await run(c, ['START SLAVE']);
        return { changed: true };
      });
    },

    /** The cluster's failover settings (from config), for the runbook to decide by. */
    async mysqlFailoverSettings({ cluster }: { cluster: string }): Promise<{ autoFailover: boolean; writerEndpoint: boolean }> {
      const settings = clusters.failoverSettings(cluster);
      return { autoFailover: settings.autoFailover, writerEndpoint: !!settings.writerEndpoint };
    },

    /** Fences an old primary: read-only now if it answers; if not, it starts read-only when it returns. */
    async mysqlFence({ cluster, node, dryRun }: OnNode): Promise<{ fenced: string }> {
      try {
        return await clusters.quick(cluster, node, async (c) => {
          if (!dryRun) await c.query('SET GLOBAL read_only = 1');
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
