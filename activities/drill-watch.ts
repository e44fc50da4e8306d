// What a drill sees of mend after its injection: when Prometheus fired the alert, and the incident that took the
// expected runbook, until it has an outcome. And, when the budget runs out, stopping that incident.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { IncidentStatus, RecoveryRecord, TimelineEntry } from '../common/types';
import { incidentStatusQuery, type IncidentView } from '../workflows/definitions';

export interface DrillWatchInput {
  alert: string;
  runbook: string;
  /** The injection (ISO): incidents opened before it are not the drill's. */
  since: string;
  prometheus: string;
}

export interface DrillObservation {
  /** When the drill first saw Prometheus fire the alert. */
  firedAt?: string;
  incidentId?: string;
  status?: IncidentStatus;
  timeline: TimelineEntry[];
  /** The attempts, without their steps' evidence. */
  attempts: { runbook: string; status: string; reason?: string; steps: string[]; fixedAt?: string; verifiedAt?: string }[];
  /** Other incidents opened since the injection: what else the fault set off. */
  others: { incidentId: string; target: string; ladder: string[]; status: IncidentStatus }[];
}

const everyMs = 500;
/** Once the drill's incident has an outcome, how long the others it set off may take to have theirs. */
const othersWithinMs = 30_000;

export type DrillWatchActivities = ReturnType<typeof drillWatchActivities>;

export function drillWatchActivities(client: Client) {
  const incidentsSince = async (since: string): Promise<IncidentView[]> => {
    const views: IncidentView[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'incident' AND StartTime >= '${new Date(since).toISOString()}'` })) {
      const view = await client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .query(incidentStatusQuery)
        .catch(() => undefined);
      if (view) views.push(view);
    }
    return views;
  };
  const firedAt = async (prometheus: string, alert: string): Promise<string | undefined> => {
    const res = await fetch(`${prometheus}/api/v1/alerts`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { data?: { alerts: { labels: Record<string, string>; state: string }[] } } | undefined;
    return body?.data?.alerts.some((a) => a.labels.alertname === alert && a.state === 'firing') ? new Date().toISOString() : undefined;
  };

  return {
    /**
     * Heartbeats until the incident that took the expected runbook has an outcome, and every other incident the fault
     * set off has one too or 30 s more have passed (the workflow's budget cancels it).
     */
    async drillWatch(input: DrillWatchInput): Promise<DrillObservation> {
      const ctx = Context.current();
      let fired = (ctx.info.heartbeatDetails as { firedAt?: string } | undefined)?.firedAt;
      let oursEndedAt: number | undefined;
      for (;;) {
        fired ??= await firedAt(input.prometheus, input.alert);
        const views = await incidentsSince(input.since);
        const ours = views.find((v) => v.ladder.includes(input.runbook));
        if (ours?.record) {
          oursEndedAt ??= Date.now();
          if (views.every((v) => v.record) || Date.now() - oursEndedAt > othersWithinMs) return observation(fired, ours.record, views);
        }
        ctx.heartbeat({ firedAt: fired, incidentId: ours?.incidentId, status: ours?.status });
        await ctx.sleep(everyMs);
      }
    },

    /** What stood when a drill's budget ran out: whether its alert had fired, and the incidents since the injection. */
    async drillStanding(input: DrillWatchInput): Promise<string> {
      const fired = await firedAt(input.prometheus, input.alert);
      const incidents = (await incidentsSince(input.since)).map((v) => `${v.incidentId} (${v.ladder.join(' → ')}: ${v.status})`);
      return `${input.alert} ${fired ? 'was firing' : 'had not fired'}; ${incidents.length ? `incidents since the injection: ${incidents.join(', ')}` : 'no incident since the injection'}`;
    },

    /**
     * Cancels the incidents opened since the injection that took the expected runbook, and waits (heartbeating) until
     * they have ended: their compensations are done before the drill's undo starts.
     */
    async drillStopIncidents(input: { runbook: string; since: string }): Promise<string[]> {
      const ctx = Context.current();
      const stopped: string[] = [];
      for (const view of await incidentsSince(input.since)) {
        if (!view.ladder.includes(input.runbook) || view.record) continue;
        await client.workflow.getHandle(view.incidentId).cancel();
        stopped.push(view.incidentId);
      }
      for (const id of stopped) {
        while ((await client.workflow.getHandle(id).describe()).status.name === 'RUNNING') {
          ctx.heartbeat({ waitingFor: id });
          await ctx.sleep(everyMs);
        }
      }
      return stopped;
    },
  };
}

function observation(firedAt: string | undefined, record: RecoveryRecord, views: IncidentView[]): DrillObservation {
  return {
    firedAt,
    incidentId: record.incidentId,
    status: record.status,
    timeline: record.timeline,
    attempts: record.attempts.map((a) => ({
      runbook: a.runbook,
      status: a.status,
      reason: a.reason,
      steps: a.steps.map((s) => s.name),
      fixedAt: a.fixedAt,
      verifiedAt: a.verifiedAt,
    })),
    others: views.filter((v) => v.incidentId !== record.incidentId).map((v) => ({ incidentId: v.incidentId, target: v.target, ladder: v.ladder, status: v.status })),
  };
}
