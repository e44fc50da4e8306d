// A planned, graceful change of primary (maintenance, moving the writer): the old primary goes read-only, the chosen
// replica applies everything it wrote, is promoted, the others and the old primary follow it, and the writer
// endpoint moves. No transaction is lost. High risk: the default policy asks for approval.
import { defineRunbook, duration, refused, toMs, z } from 'mend';
import type { ServerState } from '../actions/health';
import { byReceived, cluster, clusterTarget, mysqlActivities, repoint, runHooks, server, switchWriter, verifyPrimary, writablePrimaries } from './lib/mysql';

export const mysqlSwitchover = defineRunbook({
  name: 'mysql-switchover',
  description: 'Planned primary change: old primary read-only, the new one caught up and promoted, the old one its replica',
  risk: 'high',
  params: z.object({
    cluster,
    to: server.optional().describe('the replica to promote (default: the one that received the most)'),
    catchUpWithin: duration.default('30s').describe('how long the new primary may take to apply all the old one wrote'),
    verifyWithin: duration.default('30s'),
  }),
  target: clusterTarget,

  async run(kit, p) {
    const db = mysqlActivities(kit);
    const read = async () => healthyTopology(await db.mysqlServers({ cluster: p.cluster }));
    let { primary, replicas } = await read();
    // The approval comes first: what was read before a human took their time is read again.
    await kit.approval({ recheck: async () => ({ primary, replicas } = await read()) });
    const candidate = p.to ? replicas.find((r) => r.node === p.to) : byReceived(replicas)[0];
    if (!candidate) throw refused(`${p.to} is not a replica of ${primary}`);
    const followers = [...replicas.filter((r) => r !== candidate).map((r) => r.node), primary];
    const settings = await db.mysqlFailoverSettings({ cluster: p.cluster });
    const event = { kind: 'switchover' as const, oldPrimary: primary, newPrimary: candidate.node };
    await runHooks(kit, p.cluster, 'preFailover', settings, event);

    // Writes stop: from here the old primary's position is final. Undone (writable again) unless the promotion began.
    let promoting = false;
    await kit.step(
      `make ${primary} read-only`,
      db.mysqlSetReadOnly,
      { cluster: p.cluster, node: primary, readOnly: true },
      {
        undo: async () => {
          if (!promoting) await db.mysqlSetReadOnly({ cluster: p.cluster, node: primary, readOnly: false });
        },
      },
    );
    const [old] = (await db.mysqlServers({ cluster: p.cluster })).filter((s) => s.node === primary);
    if (!old.reachable || !old.executedGtids) throw refused(`${primary} stopped answering: ${old.error ?? 'no GTID position'}`);
    await kit.step(`wait until ${candidate.node} has applied ${old.executedGtids}`, db.mysqlWaitApplied, {
      cluster: p.cluster,
      node: candidate.node,
      gtids: old.executedGtids,
      withinSeconds: Math.ceil(toMs(p.catchUpWithin) / 1000),
    });
    promoting = true;
    await kit.step(`promote ${candidate.node}`, db.mysqlPromote, { cluster: p.cluster, node: candidate.node });
    await repoint(kit, db, p.cluster, followers, candidate.node);
    await switchWriter(kit, db, p.cluster, settings, candidate.node);
    await verifyPrimary(kit, db, p.cluster, candidate.node, followers, p.verifyWithin);
    await runHooks(kit, p.cluster, 'postFailover', settings, event);
    return undefined;
  },
});

/** The one writable primary and its replicas, all answering and replicating; anything else is refused. */
function healthyTopology(servers: ServerState[]): { primary: string; replicas: ServerState[] } {
  const down = servers.filter((s) => !s.reachable);
  if (down.length) throw refused(`a switchover needs every server up; not answering: ${down.map((s) => s.node).join(', ')}`);
  const primaries = writablePrimaries(servers);
  if (primaries.length !== 1) throw refused(`a switchover needs exactly one writable primary, found ${primaries.length}`);
  const primary = primaries[0].node;
  const replicas = servers.filter((s) => s.replica);
  const broken = replicas.filter((r) => r.replica!.source !== primary || !r.replica!.ioRunning || !r.replica!.sqlRunning);
  if (broken.length) throw refused(`replicas not replicating from ${primary}: ${broken.map((r) => r.node).join(', ')}`);
  if (!replicas.length) throw refused(`${primary} has no replica to hand over to`);
  return { primary, replicas };
}
