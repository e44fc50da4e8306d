// Backups that are known to restore. A backup is a mariadb-dump of a replica taken while its applier is stopped, so
// the dump, its GTID position and the row counts and checksums read beside it all describe the same data; it is
// verified by restoring it into a scratch server and comparing. Workflow history gets ids and small numbers only.
import { nonRetryable } from 'mend';
import { heartbeating, shortHash } from 'mend/node';
import { open, type FileHandle } from 'node:fs/promises';
import type { Connection } from 'mysql2/promise';
import { BackupStore, type BackupManifest } from './backup-store';
import { rows, type MysqlClusters } from './connections';
import { detectDialect } from './dialect';
import { ScratchServer } from './scratch-server';
import { baseTables, compareSums, sumTables, tableKey, totalRows, userDatabases, type TableMismatch } from './table-sums';
import { findTools, runTool } from './tools';

/** A backup as the workflow sees it. */
export interface BackupRef {
  id: string;
  source: string;
  gtid: string;
  takenAt: string;
  positionAt: string;
  databases: string[];
  tables: number;
  rows: number;
  bytes: number;
  /** True when a complete backup of this run already existed (a retried step). */
  reused: boolean;
}

export interface BackupPlan {
  planned: true;
  id: string;
  source: string;
  databases: string[];
}

export interface RestoreCheck {
  backup: string;
  /** The scratch server that held the restored copy (stopped and deleted since). */
  scratch: { pid: number; dir: string };
  tables: number;
  rows: number;
  mismatchCount: number;
  /** The first 20 tables that differ. */
  mismatches: TableMismatch[];
  seconds: number;
}

export interface OnCluster {
  cluster: string;
  dryRun?: boolean;
}

export function backupActivities(clusters: MysqlClusters) {
  const settingsOf = (cluster: string) => {
    const backup = clusters.backupSettings(cluster);
    return {
      store: new BackupStore(backup.dir, cluster),
      retain: backup.retain,
      tools: () => findTools(backup.binDir),
      ...clusters.login(cluster),
    };
  };

  /** Restarts the applier this backup stopped (it left a note before stopping it); no note, no change. */
  const resumeApplier = async (cluster: string, store: BackupStore, id: string): Promise<{ resumed?: string }> => {
    const node = (await store.paused(id))?.node;
    if (!node) return {};
    await clusters.on(cluster, node, async (c) => {
      const { dialect } = await detectDialect(c);
      const [status] = await rows(c, dialect.replicaStatus);
      if (status && !dialect.sqlRunning(status)) await c.query(dialect.startReplica(['sql']));
    });
    await store.clearPaused(id);
    return { resumed: node };
  };

  return {
    /**
     * A full backup of `node` (a replica), named by the runbook run: a complete backup of the same run is reused.
     * Its SQL thread is stopped for the dump and the checksums, and always restarted.
     */
    async mysqlBackup({ cluster, node, run, databases, dryRun }: OnCluster & { node: string; run: string; databases?: string[] }): Promise<BackupRef | BackupPlan> {
      clusters.member(cluster, node);
      const { store, tools, user, password } = settingsOf(cluster);
      const id = backupIdOf(run);
      const done = await store.manifest(id);
      if (done) return refOf(done, true);
      const { dump } = tools(); // before stopping anything
      if (dryRun) {
        const planned = await clusters.on(cluster, node, async (c) => {
          await replicaStatus(c, node);
          return chooseDatabases(c, node, databases);
        });
        return { planned: true, id, source: node, databases: planned };
      }
      await store.remove(id); // what an interrupted attempt left
      return heartbeating(async (signal) => {
        let manifest: BackupManifest;
        try {
          manifest = await clusters.on(cluster, node, async (c) => {
            const { status, dialect } = await replicaStatus(c, node);
            const chosen = await chooseDatabases(c, node, databases);
            // When the data stands still: now less the replica's lag, or when an earlier attempt paused it.
            let positionAt = (await store.paused(id))?.positionAt;
            if (dialect.sqlRunning(status)) {
              const lag = dialect.lagSeconds(status);
              if (lag === null) throw nonRetryable(`${node} is not connected to its source: the age of its data is unknown; back up another replica`);
              positionAt = new Date(Date.now() - lag * 1000).toISOString();
              await store.markPaused(id, { node, positionAt });
              await c.query(dialect.stopReplica(['sql']));
            }
            if (!positionAt) throw nonRetryable(`${node}'s applier was stopped before the backup: the age of its data is unknown; start it, or back up another replica`);
            const position = await binlogPosition(c);
            const takenAt = Date.now();
            const { file, path } = await store.createPartial(id);
            // The data stands still: the dump and the checksums (on this connection) run side by side. When one
            // fails the other is stopped, and both have ended before the applier resumes or a retry dumps again.
            const stopDump = new AbortController();
            let failure: { cause: unknown } | undefined;
            const failed = (stopTheOther: () => void) => (cause: unknown) => {
              failure ??= { cause };
              stopTheOther();
              return undefined;
            };
            const [, tables] = await Promise.all([
              dumpInto(file, dump, node, { user, password }, chosen, AbortSignal.any([signal, stopDump.signal]))
                .finally(() => file.close())
                .catch(failed(() => c.destroy())),
              baseTables(c, chosen)
                .then((names) => sumTables(c, names))
                .catch(failed(() => stopDump.abort())),
            ]);
            if (failure || !tables) throw failure?.cause;
            // Proof that nothing was written meanwhile (e.g. by an account that bypasses read_only).
            const [gtid, after] = [await dumpedGtid(path), await binlogPosition(c)];
            if (gtid !== position || after !== position) throw new Error(`${node} moved from GTID ${position} to ${after} (the dump holds ${gtid}) during the backup`);
            return {
              id,
              cluster,
              source: node,
              databases: chosen,
              gtid,
              takenAt: new Date(takenAt).toISOString(),
              positionAt,
              ...(await store.digest(path)),
              tables,
            };
          });
        } catch (err) {
          await store.remove(id);
          throw err;
        } finally {
          await resumeApplier(cluster, store, id);
        }
        await store.complete(manifest);
        return refOf(manifest, false);
      });
    },

    /** The undo of an interrupted backup step: restarts the applier it stopped, if it did not get to. */
    async mysqlBackupResume({ cluster, run }: OnCluster & { run: string }): Promise<{ resumed?: string }> {
      return resumeApplier(cluster, settingsOf(cluster).store, backupIdOf(run));
    },

    /** An existing complete backup. */
    async mysqlBackupInfo({ cluster, backup }: OnCluster & { backup: string }): Promise<BackupRef> {
      return refOf(await settingsOf(cluster).store.require(backup), true);
    },

    /** Whether the dump file is still what its manifest says (sha256 and size): bit rot or an edit shows here. */
    async mysqlBackupIntact({ cluster, backup }: OnCluster & { backup: string }): Promise<{ ok: boolean; expected: string; actual: string; bytes: number }> {
      const { store } = settingsOf(cluster);
      const manifest = await store.require(backup);
      const actual = await heartbeating(() => store.digest(store.dumpFile(backup)).catch(() => ({ sha256: 'missing', bytes: 0 })));
      return { ok: actual.sha256 === manifest.sha256 && actual.bytes === manifest.bytes, expected: manifest.sha256, actual: actual.sha256, bytes: actual.bytes };
    },

    /**
     * Restores a backup into a scratch server and compares each table's row count and checksum with the manifest.
     * The scratch server is always stopped and deleted.
     */
    async mysqlRestoreCheck({ cluster, backup }: OnCluster & { backup: string }): Promise<RestoreCheck> {
      const { store, tools } = settingsOf(cluster);
      const manifest = await store.require(backup);
      const found = tools();
      const started = Date.now();
      return heartbeating(async (signal) => {
        const scratch = await ScratchServer.start(found, shortHash(`${cluster}/${backup}`, 12), signal);
        try {
          await scratch.load(store.dumpFile(backup), signal).catch((err) => {
            throw signal.aborted ? err : nonRetryable(`backup ${backup} does not restore: ${(err as Error).message}`);
          });
          const c = await scratch.connect();
          try {
            const present = new Set((await baseTables(c, manifest.databases)).map(tableKey));
            const restored = await sumTables(
              c,
              manifest.tables.filter((t) => present.has(tableKey(t))),
            );
            const mismatches = compareSums(manifest.tables, restored);
            await store.markVerified(backup, mismatches.length === 0 ? new Date().toISOString() : undefined);
            return {
              backup,
              scratch: { pid: scratch.pid, dir: scratch.dir },
              tables: restored.length,
              rows: totalRows(restored),
              mismatchCount: mismatches.length,
              mismatches: mismatches.slice(0, 20),
              seconds: Math.round((Date.now() - started) / 1000),
            };
          } finally {
            c.destroy();
          }
        } finally {
          await scratch.stop();
        }
      });
    },

    /** The newest backup a restore verified (the RPO of a restore now), or undefined. */
    async mysqlLastVerifiedBackup({ cluster }: { cluster: string }): Promise<(Omit<BackupRef, 'reused'> & { verifiedAt: string }) | undefined> {
      const last = await settingsOf(cluster).store.lastVerified();
      if (!last) return undefined;
      const { reused: _, ...ref } = refOf(last, true);
      return { ...ref, verifiedAt: last.verifiedAt };
    },

    /** Keeps `keep` and the newest others up to the cluster's `backup.retain`; deletes the older ones. */
    async mysqlPruneBackups({ cluster, keep, dryRun }: OnCluster & { keep: string }): Promise<{ kept: number; deleted: string[] }> {
      const { store, retain } = settingsOf(cluster);
      const all = await store.list();
      const doomed = all.filter((m) => m.id !== keep).slice(retain - 1);
      if (!dryRun) for (const m of doomed) await store.remove(m.id);
      return { kept: all.length - doomed.length, deleted: doomed.map((m) => m.id) };
    },
  };
}

/** A consistent snapshot (InnoDB), its GTID position in a comment, and everything needed to rebuild the databases. */
const dumpOptions = ['--single-transaction', '--gtid', '--master-data=2', '--routines', '--events', '--triggers', '--hex-blob'];

/** mariadb-dump of the databases into an open file, as mend's account: the password goes in MYSQL_PWD, never in argv. */
async function dumpInto(file: FileHandle, program: string, node: string, login: { user: string; password?: string }, databases: string[], signal: AbortSignal) {
  const [host, port] = node.split(':');
  const args = ['--no-defaults', ...dumpOptions, `--host=${host}`, `--port=${port}`, '--protocol=TCP', `--user=${login.user}`, '--databases', ...databases];
  await runTool(program, args, { env: login.password ? { MYSQL_PWD: login.password } : {}, stdoutFd: file.fd, signal });
  await file.sync();
}

/** A short backup id, the same for every attempt of one runbook run. */
export const backupIdOf = (run: string) => shortHash(run);

const refOf = (m: BackupManifest, reused: boolean): BackupRef => ({
  id: m.id,
  source: m.source,
  gtid: m.gtid,
  takenAt: m.takenAt,
  positionAt: m.positionAt,
  databases: m.databases,
  tables: m.tables.length,
  rows: totalRows(m.tables),
  bytes: m.bytes,
  reused,
});

/** The server's SHOW SLAVE STATUS; refuses a MySQL server or one that is not a replica. */
async function replicaStatus(c: Connection, node: string) {
  const { dialect } = await detectDialect(c);
  if (dialect.flavor !== 'mariadb') throw nonRetryable(`${node} is MySQL: backups are taken with mariadb-dump from MariaDB replicas only`);
  const [status] = await rows(c, dialect.replicaStatus);
  if (!status) throw nonRetryable(`${node} is not a replica: a consistent backup with checksums needs a replica whose applier can pause`);
  return { status, dialect };
}

/** The databases asked for (each must exist), or every non-system one. */
async function chooseDatabases(c: Connection, node: string, asked: string[] | undefined): Promise<string[]> {
  const existing = await userDatabases(c);
  const missing = (asked ?? []).filter((d) => !existing.includes(d));
  if (missing.length) throw nonRetryable(`${node} has no database ${missing.join(', ')} that mend may read (grants: deploy/mysql/grants.sql)`);
  const chosen = asked ?? existing;
  if (!chosen.length) throw nonRetryable(`${node} has no database to back up`);
  return chosen;
}

const binlogPosition = async (c: Connection) => String((await rows(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid'))[0].gtid);

/** The GTID position mariadb-dump wrote at the end of the dump (--gtid --master-data=2: "deferred" to its tail). */
async function dumpedGtid(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tail = Math.min(size, 16 * 1024);
    const { buffer } = await file.read(Buffer.alloc(tail), 0, tail, size - tail);
    const found = /^-- SET GLOBAL gtid_slave_pos='([^']*)';$/m.exec(buffer.toString('utf8'));
    if (!found) throw new Error(`${path} records no GTID position`);
    return found[1];
  } finally {
    await file.close();
  }
}
