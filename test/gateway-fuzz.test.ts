// Thousands of random and hostile bodies against every endpoint: no crash, no 5xx, nothing started or polluted.
// Seeded, so a failure can be replayed: MEND_FUZZ_SEED=<seed printed on failure>.
import { alertmanagerPayload, grafanaPayload } from './fixtures/alerts';
import { grafanaSignature, startGateway, workflowsOn, type Gateway } from './helpers/gateway';
import { useMendWithRedis } from './helpers/mend';

jest.setTimeout(180_000);

const fx = useMendWithRedis();
let gateway: Gateway;
const seed = Number(process.env.MEND_FUZZ_SEED ?? Date.now() % 1_000_000);

beforeAll(async () => {
  gateway = await startGateway(fx.mend.config, {
    routes: [{ matchers: ['alertname=~".+"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 'x:*' } }],
  });
});
afterAll(() => gateway?.close());

/** mulberry32: a small seeded generator. */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(seed);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const hostileKeys = ['__proto__', 'constructor', 'prototype', 'alerts', 'labels', 'status', 'toString', 'hasOwnProperty', '', '\u0000', 'é'];

function randomValue(depth: number): unknown {
  switch (int(depth > 4 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, int(1e9)]);
    case 3:
      return pick(['', 'firing', 'resolved', '0001-01-01T00:00:00Z', '\ud800', 'x'.repeat(int(50_000)), '<script>', '../../etc/passwd']);
    case 4:
      return pick(['4', '1', 'problem', '2026-11-21T10:00:00Z']);
    case 5:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(6) }, () => [pick(hostileKeys), randomValue(depth + 1)]));
  }
}

/** A valid payload with one field turned into another JSON type. */
function mutated(valid: any): unknown {
  const copy = structuredClone(valid);
  const paths: (string | number)[][] = [];
  const walk = (v: any, path: (string | number)[]) => {
    if (path.length) paths.push(path);
    if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(copy, []);
  const path = pick(paths);
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const old = parent[path.at(-1)!];
  const kind = (x: unknown) => (Array.isArray(x) ? 'array' : typeof x);
  const others = [7, 'text', [1], { a: 1 }, true].filter((x) => kind(x) !== kind(old));
  parent[path.at(-1)!] = pick(others);
  return copy;
}

const alert = { labels: { alertname: 'RedisMemoryHigh', redis: 'fuzz' }, annotations: { summary: 's' } };
const valid: Record<string, unknown> = {
  '/alerts/alertmanager': alertmanagerPayload([alert]),
  '/alerts/grafana': grafanaPayload([alert]),
  '/alerts/zabbix': { eventId: '1', status: 'problem', name: 'n', severity: 4, host: 'h', startsAt: '2026-11-21T10:00:00Z', tags: [] },
  '/alerts': { labels: alert.labels, startsAt: '2026-11-21T10:00:00Z' },
};

/** Near the body limit, costly to send and parse: each kind about 50 times in a run, not 500. */
const hugeBodies = [
  () => '['.repeat(200_000) + ']'.repeat(200_000),
  () => `${'{"a":'.repeat(100_000)}{"__proto__":{"polluted":1}}${'}'.repeat(100_000)}`,
  () => JSON.stringify({ labels: { alertname: 'x'.repeat(900_000) } }),
];

function hostileBody(path: string): string {
  if (rnd() < 0.04) return pick(hugeBodies)();
  switch (int(4)) {
    case 0:
      return Buffer.from(Array.from({ length: int(2000) }, () => int(256))).toString('latin1');
    case 1:
      return JSON.stringify(randomValue(0));
    default:
      return JSON.stringify(mutated(valid[path]));
  }
}

test('4,000 random and hostile bodies: refused with a 4xx, or accepted without an incident; the gateway healthy after', async () => {
  const endpoints = Object.keys(valid);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const send = async () => {
    const path = pick(endpoints);
    const raw = hostileBody(path);
    const headers = path === '/alerts/grafana' ? grafanaSignature(raw) : {};
    const reply = await gateway.post(path, undefined, { raw, headers });
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    // A hostile body may still be a valid alert (a 900 kB alertname): then no route can use it.
    const accepted = reply.status === 202 && reply.body.incidents.length === 0;
    if (!accepted && ![400, 413].includes(reply.status)) failures.push(`${reply.status} on ${path}: ${raw.slice(0, 200)}`);
  };
  const total = 4000;
  let sent = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent++ < total) await send();
    }),
  );
  expect({ seed, failures: failures.slice(0, 5) }).toEqual({ seed, failures: [] });
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  expect(await workflowsOn(gateway.client, fx.mend.taskQueue)).toBe(0);
});
