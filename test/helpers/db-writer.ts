// An application that writes numbered rows to the writer named by the cluster's writer endpoint file, and records a
// row only once its insert is acknowledged. On a connection error it reloads the endpoint and retries the same row.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';
import type { MariadbTopology } from './mariadb';

export interface Writer {
  acked: number[];
  /** Writers it wrote to, in order. */
  writers: string[];
  /** When the first insert on each writer was acknowledged (ms since the epoch). */
  firstAck: Map<string, number>;
  stop(): Promise<void>;
}

export function startWriter(endpointFile: string, password: string): Writer {
  const acked: number[] = [];
  const writers: string[] = [];
  const firstAck = new Map<string, number>();
  let running = true;
  const connect = async (): Promise<Connection> => {
    const { writer } = JSON.parse(readFileSync(endpointFile, 'utf8')) as { writer: string };
    const [host, port] = writer.split(':');
    const c = await createConnection({ host, port: Number(port), user: 'app', password, database: 'appdb', connectTimeout: 1000 });
    if (writers.at(-1) !== writer) writers.push(writer);
    return c;
  };
  const loop = (async () => {
    let c: Connection | undefined;
    for (let id = 1; running; ) {
      try {
        c ??= await connect();
        await c.query('INSERT INTO orders VALUES (?)', [id]);
        acked.push(id++);
        if (!firstAck.has(writers.at(-1)!)) firstAck.set(writers.at(-1)!, Date.now());
      } catch (err) {
        // A row whose insert was in flight when the primary died may have reached the replica: not acknowledged,
        // but there. Move on to the next number.
        if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
          id++;
          continue;
        }
        c?.destroy();
        c = undefined;
        await delay(50);
      }
    }
    c?.destroy();
  })();
  return {
    acked,
    writers,
    firstAck,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Creates the table the writer fills, on the topology's first primary (n1). */
export async function createOrdersTable(db: MariadbTopology): Promise<void> {
  const root = await db.root(0);
  await root.query('CREATE TABLE appdb.orders (id INT PRIMARY KEY)');
  await root.end();
}

/** Inserts rows 1..count through the primary n1, each acknowledged before the next. */
export async function insertRows(db: MariadbTopology, count: number): Promise<void> {
  const app = await db.app(0);
  try {
    for (let id = 1; id <= count; id++) await app.query('INSERT INTO orders (id) VALUES (?)', [id]);
  } finally {
    app.destroy();
  }
}

/** The acknowledged rows (ids) a server lacks (read with the application's account), and how many rows it has. */
export async function missingRows(db: MariadbTopology, acked: number[], node: string): Promise<{ missing: number[]; rows: number }> {
  const app = await db.app(db.nodes.indexOf(node));
  const [found] = (await app.query('SELECT id FROM orders')) as unknown as [{ id: number }[]];
  app.destroy();
  const have = new Set(found.map((r) => r.id));
  return { missing: acked.filter((id) => !have.has(id)), rows: found.length };
}
