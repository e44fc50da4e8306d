// How an incident ends: what an attempt's result means for it, and its recovery record with MTTR, told to people
// and to metrics, and escalated when people must take over.
import { proxySinks, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { MendActivities } from '../activities';
import type { IncidentStatus, RecoveryRecord, RunbookResult, Severity } from '../common/types';
import type { IncidentNotices } from './incident-notices';
import type { IncidentState } from './incident-state';
import { recoveryTimes } from './mttr';
import type { MendSinks } from './sinks';

const { metrics } = proxySinks<MendSinks>();

export class IncidentOutcome {
  constructor(
    private readonly state: IncidentState,
    private readonly notices: IncidentNotices,
    private readonly acts: Pick<ActivityInterfaceFor<MendActivities>, 'escalate'>,
    private readonly severity: Severity,
  ) {}

  /** Ends the incident: its record, the notice and the metric of its recovery, and people when it needs them. */
  async finish(final: IncidentStatus, reason?: string): Promise<RecoveryRecord> {
    const { state, severity } = this;
    const { incidentId, target, attempts, timeline } = state;
    const times = recoveryTimes(timeline, attempts);
    const record: RecoveryRecord = { incidentId, target, severity, status: final, reason, attempts, timeline, ...times };
    state.record = record;
    state.mark(final, reason);
    state.setStatus(final);
    this.notices.ended(record);
    const recovered = attempts.find((a) => a.status === 'verified');
    if (recovered && times.mttrSeconds !== undefined && times.phases) {
      metrics.recovery(recovered.runbook, times.mttrSeconds, times.phases);
    }
    if (final === 'escalated' || final === 'refused') {
      await this.acts.escalate({ incidentId, target, severity, reason: reason ?? final });
    }
    return record;
  }
}

/** How the incident ends after this attempt of runbook; none: the next rung is tried. */
export function endAfter(result: RunbookResult, runbook: string, ladder: string[]): { status: IncidentStatus; reason?: string } | undefined {
  switch (result.status) {
    case 'verified':
      return { status: 'recovered' };
    case 'not-needed':
      return { status: 'not-needed', reason: result.reason };
    case 'planned':
      return { status: 'planned', reason: `dry-run of ${runbook}; ladder: ${ladder.join(' → ')}` };
    case 'rejected':
      return { status: 'rejected', reason: result.reason };
    case 'stood-down':
      return { status: 'stood-down', reason: result.reason };
    case 'approval-timeout':
    case 'needs-people':
      return { status: 'escalated', reason: result.reason };
    default:
      // A target left half-changed gets people, not a heavier runbook.
      if (result.steps.some((s) => s.status === 'undo-failed')) {
        return { status: 'escalated', reason: `${runbook} could not undo every step: ${result.reason ?? 'failed'}` };
      }
      return undefined;
  }
}
