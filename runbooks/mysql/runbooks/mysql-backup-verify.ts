// A backup is only as good as its last restore. Take a full backup from a replica (its applier paused so the dump,
// its GTID position and the source's row counts and checksums agree), or pick an existing one; check the file's
// sha256, restore it into a scratch server, and verify every table's row count and checksum. Record the RPO the
// backup gives. The source replica replicates again afterwards; old backups beyond the retention are deleted.
import { defineRunbook, duration, refused, secondsBetween, z } from 'mend';
import type { BackupPlan, BackupRef } from '../actions/backup';
import type { ServerState } from '../actions/health';
import { cluster, gtidProgress, mysqlActivities, server, writablePrimaries } from './lib/mysql';

const once = { within: '1s', every: '1s' } as const;

export const mysqlBackupVerify = defineRunbook({
  name: 'mysql-backup-verify',
  description: 'Take a MariaDB backup from a replica (or pick one), restore it into a scratch server, verify its checksums, record its RPO',
  risk: 'low',
  params: z
    .object({
      cluster,
      from: server.optional().describe('the replica to back up (default: the least lagging replica whose threads run)'),
      databases: z
        .array(z.string().regex(/^[A-Za-z0-9_$-]{1,64}$/))
        .min(1)
        .optional()
        .describe('default: every non-system database that mend may read (its grants)'),
      backup: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
        .optional()
        .describe('verify this existing backup (its id) instead of taking one'),
      within: duration.default('1h').describe('how long the dump, and the restore, may each take'),
    })
    .refine((p) => !(p.backup && (p.from || p.databases)), 'an existing backup is verified as it is: from and databases do not apply'),
  // Not mysql/<cluster>: a long verification must not hold (or put into cooldown) the target a failover needs.
  target: (p) => `mysql-backup/${p.cluster}`,

  async run(kit, p) {
    const db = mysqlActivities(kit);
    const long = mysqlActivities(kit, { waitsUpTo: p.within });
    let backup: BackupRef | BackupPlan;
    let source: ServerState | undefined;
    if (p.backup) {
      backup = await db.mysqlBackupInfo({ cluster: p.cluster, backup: p.backup });
    } else {
      // 1. Back up a replica, and see it replicate again.
      const servers = await db.mysqlServers({ cluster: p.cluster });
      source = p.from ? servers.find((s) => s.node === p.from) : freshestReplica(servers);
      if (!source?.replica) throw refused(p.from ? `${p.from} is not a replica of cluster ${p.cluster}` : `no replica of cluster ${p.cluster} replicates to back up from`);
      const run = kit.uniqueId('backup');
      const taken = await kit.step(
        `back up ${p.databases?.join(', ') ?? 'every database'} from ${source.node}`,
        long.mysqlBackup,
        { cluster: p.cluster, node: source.node, run, databases: p.databases },
        { undo: () => db.mysqlBackupResume({ cluster: p.cluster, run }) },
      );
      backup = taken;
      const { ioRunning, sqlRunning } = source.replica;
      await kit.verify(
        `${source.node} replicates as before the backup`,
        async () => {
          const now = (await db.mysqlServers({ cluster: p.cluster })).find((s) => s.node === source!.node);
          return { ok: now?.replica?.ioRunning === ioRunning && now.replica.sqlRunning === sqlRunning, evidence: { io: now?.replica?.ioRunning, sql: now?.replica?.sqlRunning } };
        },
        { within: '30s', every: '1s' },
      );
    }
    if (kit.dryRun || 'planned' in backup) {
      kit.note(`would restore backup ${backup.id} into a scratch server and compare its row counts and checksums`);
      return undefined;
    }

    // 2. The file is what was written (bit rot, edits), and it restores to the data it was taken from.
    await kit.verify(
      `backup ${backup.id}: the dump file's sha256 matches its manifest`,
      async () => {
        const intact = await long.mysqlBackupIntact({ cluster: p.cluster, backup: backup.id }); // reads the whole dump
        return { ok: intact.ok, evidence: intact };
      },
      once,
    );
    const restored = await kit.step(`restore backup ${backup.id} into a scratch server`, long.mysqlRestoreCheck, { cluster: p.cluster, backup: backup.id });
    const rpo = rpoOf(backup, await db.mysqlServers({ cluster: p.cluster }));
    await kit.verify(
      `backup ${backup.id}: the restored tables' row counts and checksums match its manifest`,
      async () => ({ ok: restored.mismatchCount === 0, evidence: { tables: restored.tables, rows: restored.rows, mismatches: restored.mismatches, rpo } }),
      once,
    );
    kit.note(
      `RPO: backup ${backup.id} holds GTID ${backup.gtid}, ${rpo.ageSeconds}s old; ` +
        (rpo.primary ? `the primary ${rpo.primary} is ${rpo.transactionsBehind} transactions ahead (${rpo.primaryGtid})` : 'no primary answered to compare with'),
    );

    // 3. Keep the retention count, now that the new backup is known to restore.
    if (source) await kit.step(`delete backups of ${p.cluster} beyond its retention`, db.mysqlPruneBackups, { cluster: p.cluster, keep: backup.id });
    return undefined;
  },
});

/** The reachable replica with both threads running and the least lag. */
function freshestReplica(servers: ServerState[]): ServerState | undefined {
  const lag = (s: ServerState) => s.replica?.lagSeconds ?? Number.MAX_SAFE_INTEGER;
  return servers.filter((s) => s.reachable && s.replica?.ioRunning && s.replica.sqlRunning).sort((a, b) => lag(a) - lag(b))[0];
}

/** How much a restore of this backup would lose now: the age of its position, and the primary's transactions since. */
function rpoOf(backup: BackupRef, servers: ServerState[]) {
  const [primary] = writablePrimaries(servers);
  return {
    gtid: backup.gtid,
    ageSeconds: Math.round(secondsBetween(backup.positionAt, Date.now())),
    primary: primary?.node,
    primaryGtid: primary?.executedGtids,
    transactionsBehind: primary ? Math.max(0, gtidProgress(primary.executedGtids ?? '') - gtidProgress(backup.gtid)) : undefined,
  };
}
