// Replication stopped on a replica: restart its stopped threads when the cause is transient (stopped with no error, a
// lost connection to the source, a lock timeout), then verify it runs and catches up with its source. A replica with
// errant GTIDs, a divergence error (1062, 1032, 1236, ...) or an unknown error is not touched: people get the evidence.
// Risk low: START SLAVE changes no data, and nothing is started unless the activity finds the cause transient again.
import { defineRunbook, duration, needsPeople, z } from 'mend';
import type { ReplicationFault } from '../actions/replication';
import { cluster, clusterTarget, mysqlActivities, server } from './lib/mysql';

export const mysqlReplicationRepair = defineRunbook({
  name: 'mysql-replication-repair',
  description: 'Restart replication threads stopped by a transient cause and verify the replica catches up; a diverged replica goes to people',
  risk: 'low',
  params: z.object({
    cluster,
    replica: server.optional().describe('the replica to repair (default: every replica with a stopped thread)'),
    verifyWithin: duration.default('60s').describe('how long the repaired replicas may take to catch up with their source'),
  }),
  target: clusterTarget,

  async run(kit, p) {
    const db = mysqlActivities(kit);
    const broken = await db.mysqlReplicationFaults({ cluster: p.cluster, replica: p.replica });
    if (!broken.length) return { notNeeded: `every replica${p.replica ? ` (${p.replica})` : ''} of ${p.cluster} runs both replication threads` };

    // Any divergence in the cluster: touch nothing, people must look at the data first.
    const unsafe = broken.filter((f) => f.verdict !== 'transient');
    if (unsafe.length) {
      for (const f of unsafe) kit.note(evidence(f));
      throw needsPeople(`replication not repaired: ${unsafe.map(evidence).join('; ')}`);
    }

    for (const f of broken) await kit.step(`start replication on ${f.node} (${f.why})`, db.mysqlStartReplication, { cluster: p.cluster, node: f.node });
    await kit.verify(
      `${broken.map((f) => f.node).join(', ')} replicating and caught up with the source`,
      async () => {
        const states = await Promise.all(broken.map((f) => db.mysqlReplicaCaughtUp({ cluster: p.cluster, node: f.node })));
        return { ok: states.every((s) => s.caughtUp), evidence: states };
      },
      { within: p.verifyWithin, every: '1s' },
    );
    return undefined;
  },
});

const evidence = (f: ReplicationFault) => `${f.node} (${f.verdict}): ${f.why}`;
