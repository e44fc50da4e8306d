// The shop's Prometheus metrics: requests by route and status, latency, pool failures and use, cache hits.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolFailure, WriterPool } from './pool';

export type ShopMetrics = ReturnType<typeof shopMetrics>;

export function shopMetrics(pool: () => WriterPool) {
  const registry = new Registry();
  const requests = new Counter({ name: 'shop_requests_total', help: 'Requests answered, by route and status code', labelNames: ['route', 'code'], registers: [registry] });
  const latency = new Histogram({
    name: 'shop_request_duration_seconds',
    help: 'Time to answer a request, by route',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const poolErrors = new Counter({ name: 'shop_pool_errors_total', help: 'Database calls that failed, by kind', labelNames: ['kind'], registers: [registry] });
  const cache = new Counter({ name: 'shop_cache_requests_total', help: 'Cache lookups, by result (hit, miss, error)', labelNames: ['result'], registers: [registry] });
  new Gauge({
    name: 'shop_pool_connections_in_use',
    help: 'Connections the pool has lent out now',
    registers: [registry],
    collect() {
      this.set(pool().inUse);
    },
  });
  new Counter({
    name: 'shop_pool_resets_total',
    help: 'Times the pool was reset by its admin endpoint',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(pool().resets);
    },
  });
  new Gauge({
    name: 'shop_pool_writer_info',
    help: 'The database writer the pool connects to (label writer)',
    labelNames: ['writer'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ writer: pool().writer }, 1);
    },
  });
  for (const kind of ['acquire_timeout', 'connection', 'read_only', 'query'] satisfies PoolFailure[]) poolErrors.inc({ kind }, 0);
  for (const result of ['hit', 'miss', 'error']) cache.inc({ result }, 0);
  return {
    registry,
    answered: (route: string, code: number, seconds: number) => {
      requests.inc({ route, code: String(code) });
      latency.observe({ route }, seconds);
    },
    poolError: (kind: PoolFailure) => poolErrors.inc({ kind }),
    cacheLookup: (result: 'hit' | 'miss' | 'error') => cache.inc({ result }),
  };
}
