// Undo data too large for workflow history: kept as JSON-lines files, passed around by id.
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface KeyCopy {
  key: string;
  /** Absolute expiry (Unix ms), when the key had one. */
  expiresAt?: number;
  /** Redis DUMP payload, base64. */
  dump: string;
}

/** Files are private to the worker's user (mode 0600): they hold raw application data. */
export class SnapshotStore {
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Creates the snapshot (empty) if it does not exist yet. */
  async create(id: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await (await open(this.path(id), 'a', 0o600)).close();
  }

  private path(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`bad snapshot id: ${id}`);
    return join(this.dir, `${id}.jsonl`);
  }

  async append(id: string, copies: KeyCopy[]): Promise<void> {
    if (copies.length === 0) return;
    await appendFile(this.path(id), `${copies.map((c) => JSON.stringify(c)).join('\n')}\n`, { flush: true, mode: 0o600 });
  }

  /** Every copy, the last one per key winning: a key is deleted only if unchanged since its latest copy. */
  async read(id: string): Promise<KeyCopy[]> {
    let text: string;
    try {
      text = await readFile(this.path(id), 'utf8');
    } catch (err) {
      // A step that started always created its snapshot: a missing one means the undo cannot be trusted.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`snapshot ${id} is missing from ${this.dir}`);
      throw err;
    }
    const byKey = new Map<string, KeyCopy>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const copy = JSON.parse(line) as KeyCopy;
      byKey.set(copy.key, copy);
    }
    return [...byKey.values()];
  }
}
