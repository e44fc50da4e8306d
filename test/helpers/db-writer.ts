// An application that writes numbered rows to the writer named by the cluster's writer endpoint file, and records a
// row only once its insert is acknowledged. On a connection error it reloads the endpoint and retries the same row.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { createConnection, type Connection } from 'mysql2/promise';

export interface Writer {
  acked: number[];
  /** Writers it wrote to, in order. */
  writers: string[];
  stop(): Promise<void>;
}

export function startWriter(endpointFile: string, password: string): Writer {
  const acked: number[] = [];
  const writers: string[] = [];
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
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
