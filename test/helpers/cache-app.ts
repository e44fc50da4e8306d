// The application around a cache: its source of truth over HTTP, and its read traffic against Redis.
import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';

export const productKey = (i: number) => `product:${i}`;
export const productValue = (i: number) => JSON.stringify({ id: i, name: `product ${i}`, price: i * 3 });

export interface SourceOfTruth {
  url: string;
  requests: () => number;
  /** Holds every request from now on until `release` (an activity then stays in flight); `held` counts them. */
  hold(): { held: () => number; release(): void };
  close(): Promise<void>;
}

/** GET /hot-keys?limit=N → [{key, value, ttlSeconds}], the app's admin endpoint. */
export async function startSourceOfTruth(products: number): Promise<SourceOfTruth> {
  let requests = 0;
  let gate: { waiting: (() => void)[]; open?: boolean } | undefined;
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/hot-keys') return void res.writeHead(404).end();
    requests++;
    const held = gate;
    if (held && !held.open) await new Promise<void>((resume) => held.waiting.push(resume));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? products), products);
    const body = Array.from({ length: limit }, (_, i) => ({ key: productKey(i), value: productValue(i), ttlSeconds: 3600 }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hot-keys`,
    requests: () => requests,
    hold: () => {
      const held = { waiting: [] as (() => void)[], open: false };
      gate = held;
      return {
        held: () => held.waiting.length,
        release: () => {
          held.open = true;
          for (const resume of held.waiting.splice(0)) resume();
        },
      };
    },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** Reads random products in batches until stopped; no fill on miss, so only warming raises the hit rate. */
export function startReadLoad(redis: Redis, products: number): { reads: () => number; stop(): Promise<void> } {
  let running = true;
  let reads = 0;
  const loop = (async () => {
    while (running) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 50; i++) pipeline.get(productKey(Math.floor(Math.random() * products)));
      await pipeline.exec();
      reads += 50;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    reads: () => reads,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
