// Connections near max_connections: capture the processlist, kill the connections of long read-only statements the
// policy allows (never writes, idle connections, replication or system threads, or mend's own), verify usage drops.
// Risk low: no data changes (a read in a transaction that wrote or locked rows is kept); a killed read fails and the
// application may retry it. Nothing to undo; the kill step is not taken once the alert has resolved.
import { defineRunbook, duration, refused, toMs, z } from 'mend';
import type { ServerState } from '../actions/health';
import { cluster, clusterTarget, mysqlActivities, server, writablePrimaries } from './lib/mysql';

export const mysqlConnectionSurge = defineRunbook({
  name: 'mysql-connection-surge',
  description: 'Connections near max_connections: kill long-running read-only statements the policy allows, verify usage drops',
  risk: 'low',
  params: z.object({
    cluster,
    node: server.optional().describe('the server (default: the primary)'),
    below: z.number().gt(0).max(1).default(0.8).describe('connections / max_connections to bring usage under'),
    olderThan: duration.default('30s').describe('kill only statements running at least this long'),
    users: z.array(z.string().min(1)).min(1).optional().describe("kill only these users' statements (default: any user's)"),
    verifyWithin: duration.default('30s'),
  }),
  target: clusterTarget,

  async run(kit, p) {
    const db = mysqlActivities(kit);
    const node = p.node ?? primaryOf(await db.mysqlServers({ cluster: p.cluster }));
    if (!node) throw refused(`no single writable primary in cluster ${p.cluster}; name the server with the node param`);
    const usage = async () => db.mysqlConnections({ cluster: p.cluster, node, top: 0 });
    const before = await usage();
    const share = `${before.connected} of ${before.maxConnections} connections`;
    if (before.ratio < p.below) return { notNeeded: `${node} has ${share}, below ${p.below * 100}%` };

    const policy = { olderThanSeconds: Math.ceil(toMs(p.olderThan) / 1000), users: p.users };
    const plan = await kit.step(`capture the processlist of ${node} (${share})`, db.mysqlSessions, { cluster: p.cluster, node, ...policy });
    if (plan.kill.length) {
      await kit.step(
        `kill ${plan.kill.length} read-only statements running ${p.olderThan} or longer on ${node}`,
        db.mysqlKillSessions,
        { cluster: p.cluster, node, policy, victims: plan.kill.map(({ id, digest, seconds }) => ({ id, digest, seconds })) },
        { destructive: true, restoredBy: 'the application, which may retry its read (no data is changed)' },
      );
    } else {
      kit.note(`nothing the policy allows to kill on ${node}`);
    }

    await kit.verify(
      `connections on ${node} below ${p.below * 100}% of max_connections`,
      async () => {
        const now = await usage();
        return { ok: now.ratio < p.below, evidence: { connected: now.connected, maxConnections: now.maxConnections } };
      },
      { within: p.verifyWithin, every: '1s' },
    );
    return undefined;
  },
});

/** The one reachable, writable server that replicates from nobody. */
function primaryOf(servers: ServerState[]): string | undefined {
  const primaries = writablePrimaries(servers);
  return primaries.length === 1 ? primaries[0].node : undefined;
}
