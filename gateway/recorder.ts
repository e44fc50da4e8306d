// Records alerts in Temporal: a firing opens the incident or signals the one already open for its key (signal-with-
// start, USE_EXISTING), a resolution only signals an open one. Anything short of a recorded signal throws, so the
// gateway answers 503 and the sender retries; a retried delivery changes nothing the first one did.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { incidentStartOptions } from '../client/incident-start';
import { toMs } from '../common/duration';
import type { IncidentInput } from '../common/types';
import type { MendConfig } from '../config/schema';
import { alertSignal, type AlertDelivery } from '../workflows/definitions';
import { incident } from '../workflows/incident';
import type { IncidentPlan } from './router';

export interface RecordedIncident {
  incidentId: string;
  runbook: string;
  target: string;
  alerts: number;
  /** `no-open-incident`: only resolutions, and no incident was open for the key. */
  outcome: 'signalled' | 'no-open-incident';
}

export class TemporalUnavailable extends Error {
  constructor(cause: unknown) {
    super(`Temporal did not record the alert: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'TemporalUnavailable';
  }
}

export class IncidentRecorder {
  constructor(
    private readonly client: Client,
    private readonly config: MendConfig,
  ) {}

  /** Records every plan or throws TemporalUnavailable. */
  async record(plans: IncidentPlan[], receivedAt: Date): Promise<RecordedIncident[]> {
    const deadline = Date.now() + toMs(this.config.gateway.temporalTimeout);
    try {
      return await this.client.withDeadline(deadline, () => Promise.all(plans.map((p) => this.recordOne(p, receivedAt))));
    } catch (err) {
      throw new TemporalUnavailable(err);
    }
  }

  private async recordOne(plan: IncidentPlan, receivedAt: Date): Promise<RecordedIncident> {
    const delivery: AlertDelivery = { alerts: plan.notices, receivedAt: receivedAt.toISOString() };
    const recorded = { incidentId: plan.incidentId, runbook: plan.runbook, target: plan.target, alerts: plan.notices.length };
    if (!plan.faultStartedAt) {
      try {
        await this.client.workflow.getHandle(plan.incidentId).signal(alertSignal, delivery);
        return { ...recorded, outcome: 'signalled' };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { ...recorded, outcome: 'no-open-incident' };
        throw err;
      }
    }
    const input: IncidentInput = {
      runbook: plan.runbook,
      params: plan.params,
      severity: plan.severity,
      summary: plan.summary,
      dryRun: plan.dryRun,
      faultStartedAt: plan.faultStartedAt,
      source: plan.notices[0].source,
      alert: { key: plan.key, holdOpen: this.config.gateway.holdOpen },
    };
    await this.client.workflow.signalWithStart(incident, {
      workflowId: plan.incidentId,
      args: [input],
      signal: alertSignal,
      signalArgs: [delivery],
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...incidentStartOptions(this.config, input, plan.target),
    });
    return { ...recorded, outcome: 'signalled' };
  }
}
