// Backups on disk: a folder per cluster with <id>.sql (the dump) and <id>.json (its manifest). The manifest is
// written last, so a backup without one is incomplete. Files are private to the worker's user (0600, folder 0700):
// they hold application data.
import { nonRetryable } from 'mend';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TableSum } from './table-sums';

/** A replica whose applier a backup stopped, and when its data stood. */
export interface PausedApplier {
  node: string;
  positionAt: string;
}

export interface BackupManifest {
  id: string;
  cluster: string;
  /** The server dumped, host:port. */
  source: string;
  databases: string[];
  /** The GTID position the dump holds. */
  gtid: string;
  /** When that position was read, the replica's applier stopped. */
  takenAt: string;
  /** takenAt less the replica's lag then: about when its newest transaction committed on the primary. */
  positionAt: string;
  bytes: number;
  sha256: string;
  tables: TableSum[];
}

export class BackupStore {
  readonly dir: string;

  constructor(root: string, cluster: string) {
    this.dir = join(resolve(root), cluster);
  }

  dumpFile(id: string): string {
    return this.file(id, 'sql');
  }

  /** The manifest of a complete backup; undefined when there is none. */
  async manifest(id: string): Promise<BackupManifest | undefined> {
    try {
      return JSON.parse(await readFile(this.file(id, 'json'), 'utf8')) as BackupManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async require(id: string): Promise<BackupManifest> {
    const manifest = await this.manifest(id);
    if (!manifest) throw nonRetryable(`no complete backup "${id}" in ${this.dir}`);
    return manifest;
  }

  /** A fresh, empty file for the dump of `id`, not yet part of a backup. */
  async createPartial(id: string): Promise<{ file: FileHandle; path: string }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = `${this.dumpFile(id)}.partial`;
    return { file: await open(path, 'w', 0o600), path };
  }

  /** Makes the backup complete: the dump under its name, then its manifest (each written whole, then renamed). */
  async complete(manifest: BackupManifest): Promise<void> {
    const dump = this.dumpFile(manifest.id);
    await rename(`${dump}.partial`, dump);
    const file = this.file(manifest.id, 'json');
    await writeFile(`${file}.partial`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flush: true });
    await rename(`${file}.partial`, file);
  }

  /** Deletes a backup, or what an interrupted one left; its manifest first, so a half-deleted one is incomplete. */
  async remove(id: string): Promise<void> {
    const dump = this.dumpFile(id);
    for (const path of [this.file(id, 'json'), `${this.file(id, 'json')}.partial`, dump, `${dump}.partial`, this.file(id, 'verified')]) await rm(path, { force: true });
  }

  /** Complete backups, newest first. */
  async list(): Promise<BackupManifest[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
    const manifests = (await Promise.all(ids.map((id) => this.manifest(id)))).filter((m): m is BackupManifest => !!m);
    return manifests.sort((a, b) => b.takenAt.localeCompare(a.takenAt));
  }

  /** The sha256 and size of a dump file as it is on disk now. */
  async digest(path: string): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    return { sha256: hash.digest('hex'), bytes: (await stat(path)).size };
  }

  /**
   * A note that this backup stopped `node`'s replication applier, and how fresh its data was then, written before
   * it does: if the worker dies before restarting it, a retry or the step's undo knows the stop was theirs to undo,
   * and a retry knows the age of the data it dumps.
   */
  async markPaused(id: string, pause: PausedApplier): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(this.file(id, 'paused'), JSON.stringify(pause), { mode: 0o600, flush: true });
  }

  async paused(id: string): Promise<PausedApplier | undefined> {
    const text = await readFile(this.file(id, 'paused'), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as PausedApplier);
  }

  async clearPaused(id: string): Promise<void> {
    await rm(this.file(id, 'paused'), { force: true });
  }

  /** Records when this backup restored with matching checksums (its RPO can be counted on); undefined: it did not. */
  async markVerified(id: string, at: string | undefined): Promise<void> {
    if (at) await writeFile(this.file(id, 'verified'), at, { mode: 0o600, flush: true });
    else await rm(this.file(id, 'verified'), { force: true });
  }

  /** The newest complete backup that a restore verified, and when. */
  async lastVerified(): Promise<(BackupManifest & { verifiedAt: string }) | undefined> {
    for (const manifest of await this.list()) {
      const verifiedAt = await readFile(this.file(manifest.id, 'verified'), 'utf8').catch(() => undefined);
      if (verifiedAt) return { ...manifest, verifiedAt };
    }
    return undefined;
  }

  /** A backup's file of this kind: sql (the dump), json (its manifest), paused, verified. */
  private file(id: string, ext: 'sql' | 'json' | 'paused' | 'verified'): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw nonRetryable(`bad backup id: ${id}`);
    return join(this.dir, `${id}.${ext}`);
  }
}
