// Prometheus metrics of the gateway, served on its own /metrics.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'mend_gateway_requests_total',
    help: 'Webhook requests by source and HTTP status',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'mend_gateway_alerts_total',
    help: 'Alerts received, by source and outcome: recorded, unrouted (no route took it), no_open_incident',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly temporalFailures = new Counter({
    name: 'mend_gateway_temporal_failures_total',
    help: 'Deliveries answered 503 because Temporal did not record them',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'mend_gateway_request_duration_seconds',
    help: 'Time to answer a webhook, by source',
    labelNames: ['source'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mend_gateway_' });
  }
}
