// Redis activities. Each is idempotent (absolute values; restore fills only absent keys) and plans only in dry-run.
import { nonRetryable } from 'mend';
import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RedisPool } from './redis-pool';
import type { KeyCopy, SnapshotStore } from './snapshots';

export interface HitRate {
  hits: number;
  misses: number;
  /** hits / (hits + misses) over the sample, or null when nothing was read. */
  rate: number | null;
}

export interface HotKey {
  key: string;
  value: string;
  ttlSeconds?: number;
}

export interface MemoryState {
  usedBytes: number;
  maxBytes: number;
  /** used / max, or null when maxmemory is 0 (unlimited). */
  ratio: number | null;
}

/** Keys per SCAN or MGET round trip. */
const batchSize = 500;

// Deletes a key only if it still holds the copied value: a key written since the copy is left alone.
const deleteIfUnchanged = `
if redis.call('DUMP', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// Empties the database and leaves only the marker; nothing is flushed when the ACL would refuse the marker.
const flushWithMarker = `
if not redis.acl_check_cmd('SET', KEYS[1], ARGV[1], 'EX', '86400') then
  return redis.error_reply('NOPERM the ACL refuses the marker ' .. KEYS[1])
end
redis.call('FLUSHDB')
return redis.call('SET', KEYS[1], ARGV[1], 'EX', '86400')`;

export function redisActivities(pool: RedisPool, snapshots: SnapshotStore) {
  const stats = async (redis: string) => parseInfo(await pool.get(redis).info('stats'));

  return {
    /** Hit rate over a sample window (INFO stats before and after), so old history does not hide a cold cache. */
    async redisHitRate({ redis, sampleMs = 2000 }: { redis: string; sampleMs?: number }): Promise<HitRate> {
      const before = await stats(redis);
      await delay(sampleMs, undefined, { signal: Context.current().cancellationSignal });
      const after = await stats(redis);
      const hits = after.keyspace_hits - before.keyspace_hits;
      const misses = after.keyspace_misses - before.keyspace_misses;
      return { hits, misses, rate: hits + misses > 0 ? hits / (hits + misses) : null };
    },

    /**
     * Loads the hot keys from their source of truth (an app endpoint returning [{key, value, ttlSeconds}]), writing
     * only those absent or different: a retry after a crash that followed the load writes nothing again.
     */
    async redisWarmKeys(input: { redis: string; source: string; limit: number; dryRun?: boolean }): Promise<{ warmed: number; written: number; sample: string[] }> {
      const hot = await fetchHotKeys(input.source, input.limit);
      const sample = hot.slice(0, 5).map((h) => h.key);
      if (input.dryRun) return { warmed: 0, written: 0, sample };
      const client = pool.get(input.redis);
      const stale: HotKey[] = [];
      for (let i = 0; i < hot.length; i += batchSize) {
        const batch = hot.slice(i, i + batchSize);
        const current = await client.mget(...batch.map((h) => h.key));
        stale.push(...batch.filter((h, j) => current[j] !== h.value));
      }
      const pipeline = client.pipeline();
      for (const { key, value, ttlSeconds } of stale) {
        if (ttlSeconds) pipeline.set(key, value, 'EX', ttlSeconds);
        else pipeline.set(key, value);
      }
      const failed = ((await pipeline.exec()) ?? []).find(([err]) => err);
      if (failed) throw new Error(`SET failed while warming: ${failed[0]!.message}`);
      return { warmed: hot.length, written: stale.length, sample };
    },

    async redisMemory({ redis }: { redis: string }): Promise<MemoryState> {
      const info = parseInfo(await pool.get(redis).info('memory'));
      const maxBytes = info.maxmemory ?? 0;
      return { usedBytes: info.used_memory, maxBytes, ratio: maxBytes > 0 ? info.used_memory / maxBytes : null };
    },

    /** Sets maxmemory to an absolute value, unless it already is (a retry after a crash sets nothing); returns the value it found. */
    async redisSetMaxmemory(input: { redis: string; bytes: number; dryRun?: boolean }): Promise<{ found: number }> {
      const client = pool.get(input.redis);
      const [, current] = (await client.config('GET', 'maxmemory')) as [string, string];
      if (!input.dryRun && Number(current) !== input.bytes) await client.config('SET', 'maxmemory', String(input.bytes));
      return { found: Number(current) };
    },

    /** Keys in the database, not counting mend's own marker `except`. */
    async redisKeyCount({ redis, except }: { redis: string; except?: string }): Promise<{ keys: number }> {
      const client = pool.get(redis);
      const keys = await client.dbsize();
      return { keys: except ? keys - (await client.exists(except)) : keys };
    },

    /**
     * FLUSHDB, and in the same transaction a `marker` key (kept a day): a retry after a crash finds the marker and
     * does not flush what the application has written since.
     */
    async redisFlushDb(input: { redis: string; marker?: string; dryRun?: boolean }): Promise<{ flushed: number; already?: boolean }> {
      const client = pool.get(input.redis);
      if (input.marker && (await client.exists(input.marker))) return { flushed: 0, already: true };
      const flushed = await client.dbsize();
      if (input.dryRun) return { flushed };
      if (!input.marker) await client.flushdb();
      else {
        // A script, not MULTI: Redis refuses a whole transaction holding a SET while it is over maxmemory, the very
        // state a flush relieves; a script's SET runs after its FLUSHDB has freed the memory.
        try {
          await client.eval(flushWithMarker, 1, input.marker, new Date().toISOString());
        } catch (err) {
          throw new Error(`FLUSHDB with its marker failed: ${(err as Error).message}`);
        }
      }
      return { flushed };
    },

    /**
     * Deletes the keys matching a pattern, each copied (DUMP + expiry) into the snapshot before it goes.
     * The snapshot is created before anything is deleted, so its undo always has something to read.
     */
    async redisDeleteKeys(input: { redis: string; pattern: string; snapshot: string; dryRun?: boolean }): Promise<{ keys: number }> {
      const client = pool.get(input.redis);
      if (!input.dryRun) await snapshots.create(input.snapshot);
      let keys = 0;
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', input.pattern, 'COUNT', batchSize);
        cursor = next;
        if (input.dryRun) {
          keys += batch.length;
          Context.current().heartbeat({ keys });
          continue;
        }
        const copies = await copyKeys(client, batch);
        await snapshots.append(input.snapshot, copies);
        const deletes = client.pipeline();
        for (const c of copies) deletes.eval(deleteIfUnchanged, 1, c.key, Buffer.from(c.dump, 'base64'));
        for (const [err, deleted] of (await deletes.exec()) ?? []) {
          if (err) throw err;
          keys += Number(deleted);
        }
        Context.current().heartbeat({ keys });
      } while (cursor !== '0');
      return { keys };
    },

    /**
     * Puts back the keys of a snapshot with their original expiry. A key that exists again (kept because it
     * changed, or rewritten by the app since) is newer than the copy and is left alone.
     */
    async redisRestoreKeys(input: { redis: string; snapshot: string; dryRun?: boolean }): Promise<{ restored: number; skipped: number }> {
      const client = pool.get(input.redis);
      const copies = await snapshots.read(input.snapshot);
      const now = Date.now();
      const live = copies.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
      // Only absent keys: one that exists was never deleted, or the app has written it since.
      const exists = client.pipeline();
      for (const { key } of live) exists.exists(key);
      const present = ((await exists.exec()) ?? []).map(([err, n]) => {
        if (err) throw err;
        return Number(n) > 0;
      });
      const absent = live.filter((_, i) => !present[i]);
      if (input.dryRun || absent.length === 0) return { restored: input.dryRun ? absent.length : 0, skipped: copies.length - absent.length };
      const pipeline = client.pipeline();
      for (const { key, expiresAt, dump } of absent) {
        const payload = Buffer.from(dump, 'base64');
        if (expiresAt === undefined) pipeline.restore(key, 0, payload);
        else pipeline.restore(key, expiresAt, payload, 'ABSTTL');
      }
      let restored = 0;
      for (const [err] of (await pipeline.exec()) ?? []) {
        if (!err) restored++;
        else if (!/BUSYKEY/.test(err.message)) throw new Error(`RESTORE failed: ${err.message}`);
      }
      return { restored, skipped: copies.length - restored };
    },
  };
}

export type RedisActivities = ReturnType<typeof redisActivities>;

export function parseInfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) {
      const n = Number(line.slice(i + 1));
      if (Number.isFinite(n)) out[line.slice(0, i)] = n;
    }
  }
  return out;
}

async function fetchHotKeys(source: string, limit: number): Promise<HotKey[]> {
  const url = new URL(source);
  url.searchParams.set('limit', String(limit));
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`source of truth ${url.origin}${url.pathname} answered ${response.status}`);
  const body = (await response.json()) as unknown;
  if (!Array.isArray(body) || !body.every(isHotKey)) {
    throw nonRetryable(`source of truth ${url.origin}${url.pathname} did not return [{key, value, ttlSeconds?}]`);
  }
  return body.slice(0, limit);
}

function isHotKey(x: unknown): x is HotKey {
  const h = x as HotKey;
  const ttl = h?.ttlSeconds;
  return typeof h?.key === 'string' && typeof h.value === 'string' && (ttl === undefined || (Number.isInteger(ttl) && ttl > 0));
}

async function copyKeys(client: Redis, keys: string[]): Promise<KeyCopy[]> {
  if (keys.length === 0) return [];
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key).pexpiretime(key);
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed) throw new Error(`copying keys before deleting them failed: ${failed[0]!.message}`);
  const copies: KeyCopy[] = [];
  keys.forEach((key, i) => {
    const dump = replies[2 * i]?.[1] as Buffer | null;
    const expiresAt = replies[2 * i + 1]?.[1] as number;
    if (dump) copies.push({ key, expiresAt: expiresAt > 0 ? expiresAt : undefined, dump: dump.toString('base64') });
  });
  return copies;
}
