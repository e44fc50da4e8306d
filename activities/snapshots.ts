// Undo data too large for workflow history: kept as JSON-lines files, passed around by id.
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface KeyCopy {
  key: string;
  /** Remaining TTL in ms at copy time; -1 when the key had none. */
  ttl: number;
  /** Redis DUMP payload, base64. */
  dump: string;
}

export class SnapshotStore {
  constructor(private readonly dir: string) {}

  private path(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`bad snapshot id: ${id}`);
    return join(this.dir, `${id}.jsonl`);
  }

  async append(id: string, copies: KeyCopy[]): Promise<void> {
    if (copies.length === 0) return;
    await mkdir(this.dir, { recursive: true });
    await appendFile(this.path(id), copies.map((c) => JSON.stringify(c)).join('\n') + '\n', { flush: true });
  }

  /** Every copy, the last one per key winning (a retried step may have appended twice). */
  async read(id: string): Promise<KeyCopy[]> {
    let text: string;
    try {
      text = await readFile(this.path(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const byKey = new Map<string, KeyCopy>();
    for (const line of text.split('\n')) if (line) byKey.set((JSON.parse(line) as KeyCopy).key, JSON.parse(line) as KeyCopy);
    return [...byKey.values()];
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }
}
