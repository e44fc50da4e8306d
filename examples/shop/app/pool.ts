// The shop's connection pool to its database's writer: the address comes from the writer endpoint file (the one
// mend's MySQL failover moves) when the pool is made, so after a failover the pool keeps talking to the old primary
// until it is reset. Waiting for a connection is bounded; every failure is classified for the metrics.
import { readFileSync } from 'node:fs';
import { type Connection, createConnection, createPool, type Pool, type PoolConnection } from 'mysql2/promise';

export interface PoolOptions {
  /** JSON file `{"writer": "host:port"}`. */
  writerFile: string;
  user: string;
  password: string;
  database: string;
  size: number;
  /** How long a request waits for a free connection. */
  acquireTimeoutMs: number;
}

export type PoolFailure = 'acquire_timeout' | 'connection' | 'read_only' | 'query';

/** A failure of the pool or its database, with the kind the metrics count. */
export class PoolError extends Error {
  constructor(
    readonly kind: PoolFailure,
    message: string,
  ) {
    super(message);
  }
}

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR']);

export function classify(err: unknown): PoolError {
  if (err instanceof PoolError) return err;
  const { code, errno, message } = err as { code?: string; errno?: number; message?: string };
  if (errno === 1290 || code === 'ER_OPTION_PREVENTS_STATEMENT') return new PoolError('read_only', message ?? 'read-only');
  if (message === 'Queue limit reached.') return new PoolError('acquire_timeout', 'no free connection: too many requests wait for one');
  if (code && (connectionCodes.has(code) || code.startsWith('PROTOCOL_'))) return new PoolError('connection', message ?? code);
  return new PoolError('query', message ?? String(err));
}

export class WriterPool {
  private pool: Pool;
  private writerAddress: string;
  /** What the current pool has lent out (a leaked connection stays here until a reset). */
  private lent = new Set<PoolConnection>();
  resets = 0;

  constructor(private readonly options: PoolOptions) {
    [this.pool, this.writerAddress] = this.open();
  }

  get writer(): string {
    return this.writerAddress;
  }

  /** Connections lent out now (a leaked one stays lent). */
  get inUse(): number {
    return this.lent.size;
  }

  /** A connection within the acquire timeout; give it back with `release`. */
  async acquire(deadline = Date.now() + this.options.acquireTimeoutMs): Promise<PoolConnection> {
    const pool = this.pool;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PoolError('acquire_timeout', `no free connection within ${this.options.acquireTimeoutMs} ms`)), deadline - Date.now());
    });
    const getting = pool.getConnection();
    try {
      const connection = await Promise.race([getting, timedOut]);
      this.lent.add(connection);
      return connection;
    } catch (err) {
      // One that arrives after the timeout goes straight back.
      getting.then((c) => c.release()).catch(() => undefined);
      // A wait that a reset ended (the old pool closed) goes on in the new pool.
      if (pool !== this.pool && !(err instanceof PoolError) && Date.now() < deadline) return this.acquire(deadline);
      throw classify(err);
    } finally {
      clearTimeout(timer);
    }
  }

  release(connection: PoolConnection): void {
    this.lent.delete(connection);
    connection.release();
  }

  /** Runs one statement on a pooled connection. */
  async query<T>(sql: string, values: unknown[] = []): Promise<T> {
    const connection = await this.acquire();
    try {
      const [rows] = await connection.query(sql, values);
      return rows as T;
    } catch (err) {
      throw classify(err);
    } finally {
      this.release(connection);
    }
  }

  /** A new pool on the writer the endpoint names now; the old one is closed (its lent connections with it). */
  reset(): { writer: string; dropped: number } {
    const old = this.pool;
    const dropped = this.lent.size;
    [this.pool, this.writerAddress] = this.open();
    this.lent = new Set();
    this.resets++;
    old.end().catch(() => undefined);
    return { writer: this.writerAddress, dropped };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A connection of its own to the pool's writer, outside the pool (the caller ends it). */
  async connect(): Promise<Connection> {
    const [host, port] = this.writerAddress.split(':');
    const { user, password, database } = this.options;
    const connection = await createConnection({ host, port: Number(port), user, password, database, connectTimeout: 2000 });
    connection.on('error', () => undefined);
    return connection;
  }

  private open(): [Pool, string] {
    const { writer } = JSON.parse(readFileSync(this.options.writerFile, 'utf8')) as { writer: string };
    const [host, port] = writer.split(':');
    const { user, password, database, size } = this.options;
    // The wait queue is bounded: a caller that timed out stays in it until a connection comes back for it.
    const pool = createPool({ host, port: Number(port), user, password, database, connectionLimit: size, queueLimit: 10 * size, connectTimeout: 2000 });
    pool.on('connection', (c) => c.on('error', () => undefined)); // a connection that dies is dropped by the pool
    return [pool, writer];
  }
}
