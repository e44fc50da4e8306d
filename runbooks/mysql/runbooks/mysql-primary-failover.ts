// The primary is lost: confirm it is dead (every probe fails and every replica's IO thread has lost it), let the
// most advanced replica apply all it received (never promote before: its relay log would be lost), promote it with
// semi-sync, point the other replicas at it, fence the old primary, and move the writer endpoint. Then verify the
// new primary takes writes and every replica follows it, and block another failover of the cluster for a while.
// Nothing to undo: the old primary is gone.
import { defineRunbook, duration, refused, toMs, z } from 'mend';
import type { ProbeResult, ReplicasLost, ServerState } from '../actions/health';
import { byReceived, cluster, clusterTarget, mysqlActivities, repoint, runHooks, server, switchWriter, verifyPrimary } from './lib/mysql';

export const mysqlPrimaryFailover = defineRunbook({
  name: 'mysql-primary-failover',
  description: 'Promote the most advanced replica of a dead primary, with no acknowledged transaction lost',
  risk: 'medium',
  params: z.object({
    cluster,
    primary: server.optional().describe('the primary that failed (default: the source the replicas point at)'),
    probes: z.number().int().min(2).max(20).default(3).describe('failed probes needed to call the primary dead'),
    probeInterval: duration.default('300ms'),
    confirmWithin: duration.default('10s').describe('how long the replicas may take to agree the primary is gone, from the first probe'),
    applyWithin: duration.default('60s').describe('how long the candidate may take to apply its relay log'),
    verifyWithin: duration.default('30s'),
  }),
  target: clusterTarget,

  async run(kit, p) {
    const db = mysqlActivities(kit);
    const servers = await db.mysqlServers({ cluster: p.cluster });
    const primary = p.primary ?? sourceOf(servers);
    if (!primary) throw refused(`no primary to fail over: no replica of cluster ${p.cluster} names a source`);

    // 1. Dead: every probe fails, and the replicas agree (a network blip between mend and the primary is not death).
    // Both are asked at once, in one activity, with the failover settings read beside it (recorded before: the
    // probes, then the replicas, then the settings, one after another).
    const waitReplicas = mysqlActivities(kit, { waitsUpTo: p.confirmWithin, heartbeat: '10s' });
    const atOnce = kit.changed('confirm-dead-at-once');
    const probes = { probes: p.probes, intervalMs: toMs(p.probeInterval) };
    // The probes may outlast the replicas' window: each takes its interval and a connect timeout (10 s allowed).
    const confirming = mysqlActivities(kit, { waitsUpTo: toMs(p.confirmWithin) + p.probes * (probes.intervalMs + 10_000), heartbeat: '10s' });
    const verdict = (probe: ProbeResult, lost?: ReplicasLost): ServerState[] | string => {
      if (probe.reachable) return `primary ${primary} answered ${probe.probes - probe.failures} of ${probe.probes} probes`;
      return lost?.agreed ? lost.replicas : `a replica still reads from ${primary}: it is not dead to its replicas`;
    };
    const confirmDead = async (): Promise<ServerState[] | string> => {
      if (atOnce) {
        const { probe, replicas } = await confirming.mysqlConfirmDead({ cluster: p.cluster, primary, ...probes, withinMs: toMs(p.confirmWithin) });
        return verdict(probe, replicas);
      }
      const probe = await db.mysqlProbe({ cluster: p.cluster, node: primary, ...probes });
      if (probe.reachable) return verdict(probe);
      return verdict(probe, await waitReplicas.mysqlReplicasLost({ cluster: p.cluster, primary, withinMs: toMs(p.confirmWithin) }));
    };
    const readSettings = () => db.mysqlFailoverSettings({ cluster: p.cluster });
    const early = atOnce ? readSettings() : undefined;
    early?.catch(() => undefined); // its failure is thrown where it is awaited, not as an unhandled rejection
    let dead = await confirmDead();
    if (typeof dead === 'string') return { notNeeded: dead };

    // 2. The candidate: the replica that received the most. The policy may want a human first; after one, the
    // primary may be back and the replicas may hold more: look again.
    const settings = await (early ?? readSettings());
    const proposed = byReceived(dead)[0].node;
    const promote = `primary ${primary} is dead; promote ${proposed}? (autoFailover is off)`;
    await kit.approval({ reason: settings.autoFailover ? undefined : promote, recheck: async () => (dead = await confirmDead()) });
    if (typeof dead === 'string') return { notNeeded: `after the approval: ${dead}` };
    const [candidate, ...others] = byReceived(dead);
    if (candidate.node !== proposed) kit.note(`${candidate.node} is promoted, not ${proposed}: the second look after the approval found it holds the most`);
    const event = { kind: 'failover' as const, oldPrimary: primary, newPrimary: candidate.node };
    await runHooks(kit, p.cluster, 'preFailover', settings, event);

    // 3. Its relay log applied in full before anything is reset.
    const received = candidate.replica!.receivedGtids;
    await kit.step(`wait until ${candidate.node} has applied ${received}`, db.mysqlWaitApplied, {
      cluster: p.cluster,
      node: candidate.node,
      gtids: received,
      withinSeconds: Math.ceil(toMs(p.applyWithin) / 1000),
    });
    // 4. Promote, 5. repoint the other replicas, 6. fence the old primary, 7. move the writer.
    await kit.step(`promote ${candidate.node}`, db.mysqlPromote, { cluster: p.cluster, node: candidate.node });
    const followers = others.map((o) => o.node);
    await repoint(kit, db, p.cluster, followers, candidate.node);
    await kit.step(`fence ${primary}`, db.mysqlFence, { cluster: p.cluster, node: primary });
    await switchWriter(kit, db, p.cluster, settings, candidate.node);

    await verifyPrimary(kit, db, p.cluster, candidate.node, followers, p.verifyWithin);
    // 8. Anti-flapping: a second failover soon after waits for a human.
    if (settings.blockAfterFailover) kit.blockTarget(settings.blockAfterFailover, `failed over from ${primary} to ${candidate.node}`);
    await runHooks(kit, p.cluster, 'postFailover', settings, event);
    return undefined;
  },
});

/** The source most replicas name. */
function sourceOf(servers: ServerState[]): string | undefined {
  const counts = new Map<string, number>();
  for (const s of servers) if (s.replica) counts.set(s.replica.source, (counts.get(s.replica.source) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}
