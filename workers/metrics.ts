// Prometheus metrics of the worker, fed by the workflows' metrics sink, served on /metrics.
import { createServer, type Server } from 'node:http';
import type { InjectedSinks } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { errorMessage } from '../common/error-message';
import { statusKey } from '../common/search-attributes';
import type { MendSinks } from '../workflows/sinks';

const durationBuckets = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

export class MendMetrics {
  readonly registry = new Registry();
  readonly attempts = new Counter({
    name: 'recovery_attempts_total',
    help: 'Runbook attempts by outcome',
    labelNames: ['runbook', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'recovery_duration_seconds',
    help: 'Time a runbook attempt took, from start to its result',
    labelNames: ['runbook'] as const,
    buckets: durationBuckets,
    registers: [this.registry],
  });
  readonly mttr = new Histogram({
    name: 'mttr_seconds',
    help: 'Time from fault start to verified recovery',
    labelNames: ['runbook'] as const,
    buckets: durationBuckets,
    registers: [this.registry],
  });
  readonly phase = new Histogram({
    name: 'mttr_phase_seconds',
    help: 'MTTR phases: detection (MTTI), diagnosis (MTTK), fix (MTTF), verification (MTTV)',
    labelNames: ['runbook', 'phase'] as const,
    buckets: durationBuckets,
    registers: [this.registry],
  });

  readonly drills = new Counter({
    name: 'mend_drills_total',
    help: 'Drills (mend drill) by scenario and outcome: recovered, not recovered, stopped at budget, cancelled, not run',
    labelNames: ['scenario', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly drillSeconds = new Histogram({
    name: 'mend_drill_seconds',
    help: "Seconds from a drill's injection to each milestone: fired, detected (MTTI), diagnosed (MTTK), fixed (MTTF), verified (MTTR)",
    labelNames: ['scenario', 'milestone'] as const,
    buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300],
    registers: [this.registry],
  });
  readonly drillFailedRequests = new Counter({
    name: 'mend_drill_failed_requests_total',
    help: "Requests of the drills' workload that failed while a drill ran",
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  readonly drillWritesLost = new Counter({
    name: 'mend_drill_acked_writes_lost_total',
    help: 'Writes the service acknowledged during a drill and no longer had after it',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });

  readonly approvalsWaiting = new Gauge({
    name: 'mend_approvals_waiting',
    help: "Runbooks of this worker's task queue waiting for a human approval (counted from Temporal's visibility)",
    registers: [this.registry],
  });

  readonly notifications = new Counter({
    name: 'mend_notifications_total',
    help: 'Notices per sink and kind: sent, or failed after every attempt',
    labelNames: ['sink', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts the task queue's runbooks waiting for approval every `everyMs`; a failed count keeps the last value. */
  watchApprovals(client: Client, taskQueue: string, everyMs: number): () => void {
    const query = `${statusKey.name} = 'awaiting-approval' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}'`;
    const count = () =>
      client.workflow.count(query).then(
        ({ count }) => this.approvalsWaiting.set(count),
        () => undefined,
      );
    void count();
    const timer = setInterval(count, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  sinks(): InjectedSinks<MendSinks> {
    return {
      metrics: {
        attempt: {
          fn: (_info, runbook, status, seconds) => {
            this.attempts.inc({ runbook, status });
            this.duration.observe({ runbook }, seconds);
          },
        },
        recovery: {
          fn: (_info, runbook, mttr, phases) => {
            this.mttr.observe({ runbook }, mttr);
            for (const [phase, seconds] of Object.entries(phases)) this.phase.observe({ runbook, phase }, seconds);
          },
        },
        drill: {
          fn: (_info, scenario, outcome, seconds, impact) => {
            this.drills.inc({ scenario, outcome });
            for (const [milestone, s] of Object.entries(seconds)) this.drillSeconds.observe({ scenario, milestone }, s);
            if (impact) {
              this.drillFailedRequests.inc({ scenario }, impact.failed);
              this.drillWritesLost.inc({ scenario }, impact.missing);
            }
          },
        },
      },
    };
  }

  /** Serves /metrics; resolves with the bound port (0 picks a free one). */
  async serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      // A collector that throws answers 500; it never becomes an unhandled rejection that ends the worker.
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err) => res.writeHead(500).end(`metrics failed: ${errorMessage(err)}\n`),
      );
    });
    await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, host, ok));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : port };
  }
}
