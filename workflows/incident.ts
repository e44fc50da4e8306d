// One incident per key: diagnose, climb the runbook ladder under the target guard, stop at the first verified
// recovery, escalate to people otherwise, and end with a recovery record and its MTTR. An incident opened by an
// alert follows its notifications, tells its runbook when the alert resolves, and stays open until it does.
import { errorMessage } from '../common/error-message';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxySinks,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { MendActivities } from '../activities';
import { policyActivityOptions } from './activity-options';
import { bootstrap } from './bootstrap';
import { toMs } from '../common/duration';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { runbookKey, severityKey, statusKey, targetKey } from '../common/search-attributes';
import type {
  IncidentInput,
  IncidentStatus,
  RecoveryRecord,
  RunbookInput,
  RunbookResult,
  SafetyPolicy,
  SignalApproval,
  TimelineEntry,
} from '../common/types';
import { renderIncidentReport } from '../common/incident-report';
import { formatIssues } from '../common/zod-issues';
import { findRunbook, ladderFrom } from './catalog';
import type { RunbookDefinition } from './kit/define';
import { AlertBook } from './alert-book';
import {
  alertSignal,
  alertStateSignal,
  approveSignal,
  blockLiftedSignal,
  guardDecisionSignal,
  guardWorkflowId,
  incidentReportQuery,
  incidentStatusQuery,
  rejectSignal,
  releaseSignal,
  runbookApprovalSignal,
  type ApprovalRequest,
  type AcquireRequest,
  type GuardDecision,
  type OverrideRequest,
  type ReleaseRequest,
  type IncidentView,
} from './definitions';
import { describeApproval } from './kit/approval';

import { IncidentNotices } from './incident-notices';
import { recoveryTimes } from './mttr';
import type { MendSinks } from './sinks';

const { metrics } = proxySinks<MendSinks>();

export async function incident(input: IncidentInput): Promise<RecoveryRecord> {
  const incidentId = workflowInfo().workflowId;
  const detectedAt = new Date(workflowInfo().startTime).toISOString();
  const timeline: TimelineEntry[] = [];
  const mark = (event: string, detail?: string) => {
    timeline.push({ at: new Date().toISOString(), event, detail });
    publish();
  };
  let status: IncidentStatus = 'open';
  let waitingFor: string | undefined;
  let child: ChildWorkflowHandle<() => Promise<RunbookResult>> | undefined;
  let runbookWorkflowId: string | undefined;
  let ladder: string[] = [];
  let record: RecoveryRecord | undefined;
  let approval: ApprovalRequest | undefined;
  const attempts: RunbookResult[] = [];
  let target = '(unknown)';
  const alerts = input.alert ? new AlertBook(input.alert.key) : undefined;

  const view = (): IncidentView => ({
    incidentId,
    target,
    status,
    waitingFor,
    approval,
    runbookWorkflowId,
    ladder,
    timeline,
    record,
    alerts: alerts?.view(),
  });
  const publish = () => setCurrentDetails(renderIncident(view()));
  let tag = (_: SearchAttributeUpdatePair[]) => undefined as void;
  const setStatus = (next: IncidentStatus, waiting?: string) => {
    status = next;
    waitingFor = waiting;
    tag([{ key: statusKey, value: next }]);
    publish();
  };

  setHandler(incidentStatusQuery, view, { description: 'Status, timeline, ladder and the running runbook' });
  setHandler(
    runbookApprovalSignal,
    (pending) => {
      approval = pending ?? undefined;
      publish();
    },
    { description: 'The running runbook started (the request) or stopped (null) waiting for approval' },
  );
  setHandler(
    incidentReportQuery,
    () => renderIncidentReport(record ?? { incidentId, target, severity: input.severity, status, attempts, timeline }, { opened: input, running: child?.workflowId }),
    { description: 'The post-incident report in Markdown: timeline, actions, approvals, evidence, compensations, MTTR' },
  );
  const forward = (name: 'approve' | 'reject', signal: SignalApproval) => {
    if (!child) return mark(`${name} ignored`, `no runbook is running (from ${String(signal?.by)})`);
    mark(`${name} forwarded`, `from ${String(signal?.by)} to ${child.workflowId}`);
    void child.signal(name === 'approve' ? approveSignal : rejectSignal, signal).catch(() => undefined);
  };
  setHandler(approveSignal, (s) => forward('approve', s), {
    description: 'Approve the pending step. Payload: {"by": "<name>", "comment": "<why>"}',
  });
  setHandler(rejectSignal, (s) => forward('reject', s), {
    description: 'Reject the pending step; mend stands down. Payload: {"by": "<name>", "comment": "<why>"}',
  });
  // Kept for the rung's runbook when it has not started yet: it is told as it starts.
  let lifted: OverrideRequest | undefined;
  setHandler(
    blockLiftedSignal,
    (lift) => {
      lifted = lift;
      mark('block lifted', `by ${String(lift?.by)}: ${String(lift?.reason)}`);
      if (child) void child.signal(blockLiftedSignal, lift).catch(() => undefined);
    },
    { description: "The target guard's block on this runbook was lifted (sent by the guard)" },
  );

  if (alerts) {
    setHandler(
      alertSignal,
      (delivery) => {
        const change = alerts.record(delivery);
        if (!change) return publish();
        mark(change.firing ? 'alert firing again' : 'alert resolved', change.detail);
        if (child) void child.signal(alertStateSignal, change).catch(() => undefined);
      },
      { description: 'Alert notifications from the gateway (firing or resolved), one incident per incident key' },
    );
  }

  timeline.push({ at: input.faultStartedAt ?? detectedAt, event: 'fault started' });
  timeline.push({ at: detectedAt, event: 'detected', detail: input.summary ?? input.runbook });

  const first = findRunbook(input.runbook);
  if (!first) throw ApplicationFailure.nonRetryable(`unknown runbook "${input.runbook}"`, 'NonRetryable');
  const parsed = first.params.safeParse(input.params);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid params: ${formatIssues(parsed.error).join('; ')}`, 'NonRetryable');
  }
  target = first.target(parsed.data);
  ladder = ladderFrom(input.runbook);
  let params = input.params;
  // Settings and diagnosis are asked for together: the first activity starts with the first workflow task.
  setStatus('diagnosing');
  const settings = bootstrap.incidentSettings();
  const diagnosis = bootstrap.diagnose({ target, faultStartedAt: input.faultStartedAt ?? detectedAt }).catch((err) => ({
    summary: `diagnosis failed: ${errorMessage(err)}`,
    facts: undefined,
  }));
  const { policy, searchAttributes, notifications } = await settings;
  // A dry-run notifies nobody.
  const about = () => ({ incidentId, severity: input.severity, target });
  const notices = new IncidentNotices(input.dryRun ? undefined : notifications, about, view, detectedAt);
  if (searchAttributes) tag = upsertSearchAttributes;
  tag([
    { key: runbookKey, value: input.runbook },
    { key: targetKey, value: target },
    { key: severityKey, value: input.severity },
    { key: statusKey, value: status },
  ]);
  const { summary, facts } = await diagnosis;
  mark('diagnosed', summary);
  // The first runbook may choose another by the facts, e.g. a rollout undo for a crash loop that followed a rollout.
  const choice = first.select?.(parsed.data, facts);
  if (choice) {
    const chosen = findRunbook(choice.runbook);
    const chosenParams = chosen?.params.safeParse(choice.params);
    if (chosen && chosenParams?.success) {
      params = choice.params;
      target = chosen.target(chosenParams.data);
      ladder = ladderFrom(choice.runbook);
      mark('runbook chosen', `${choice.runbook} on ${target}: ${choice.because}`);
      tag([
        { key: runbookKey, value: choice.runbook },
        { key: targetKey, value: target },
      ]);
    } else {
      mark('choice ignored', `${input.runbook} chose ${choice.runbook} with params it does not take`);
    }
  }
  notices.opened(ladder[0], ladder, summary);
  const acts = proxyActivities<MendActivities>(policyActivityOptions(policy));

  const finish = async (final: IncidentStatus, reason?: string): Promise<RecoveryRecord> => {
    const times = recoveryTimes(timeline, attempts);
    record = { incidentId, target, severity: input.severity, status: final, reason, attempts, timeline, ...times };
    mark(final, reason);
    setStatus(final);
    notices.ended(record);
    const recovered = attempts.find((a) => a.status === 'verified');
    if (recovered && times.mttrSeconds !== undefined && times.phases) {
      metrics.recovery(recovered.runbook, times.mttrSeconds, times.phases);
    }
    if (final === 'escalated' || final === 'refused') {
      await acts.escalate({ incidentId, target, severity: input.severity, reason: reason ?? final });
    }
    return record;
  };

  // The target guard: asked by update (answered at once); a queued incident waits for its decision signal.
  let decision: GuardDecision | undefined;
  setHandler(guardDecisionSignal, (d) => void (decision = d), { description: "The target guard's answer to a queued request" });
  const maxHoldMs = toMs(policy.maxHold);
  const targetLimits = {
    maxAttempts: policy.attempts.max,
    windowMs: toMs(policy.attempts.window),
    cooldownMs: toMs(policy.cooldown),
    maxHoldMs,
  };
  // A blast-radius lane is a guard with no budget: only its mutex counts.
  const laneLimits = { maxAttempts: 1, windowMs: 0, cooldownMs: 0, maxHoldMs };
  const acquire = async (runbook: string, guarded: string, limits: Omit<AcquireRequest, 'incidentId' | 'runbook'>): Promise<GuardDecision> => {
    setStatus('waiting-for-target', `the guard of ${guarded}`);
    decision = undefined;
    const answer = await acts.acquireTarget({ target: guarded, request: { incidentId, runbook, ...limits } });
    if (answer.decision !== 'queued') return answer;
    setStatus('waiting-for-target', `${guarded} is held by ${answer.behind}`);
    let turn: boolean;
    try {
      turn = await condition(() => decision?.runbook === runbook, policy.lockWait);
    } catch (err) {
      await release(guarded, incidentId, 'aborted', mark); // cancelled while queued: leave the queue
      throw err;
    }
    if (turn) return decision!;
    await release(guarded, incidentId, 'aborted', mark);
    return { decision: 'refused', runbook, reason: `${guarded} stayed busy for ${policy.lockWait}` };
  };

  const climb = async (): Promise<RecoveryRecord> => {
    for (const runbook of ladder) {
      const rung = findRunbook(runbook)!;
      const rungParams = rung.params.safeParse(params);
      if (!rungParams.success || rung.target(rungParams.data) !== target) {
        mark('rung skipped', `${runbook}: its params do not describe ${target}`);
        continue;
      }
      const lane = input.dryRun ? undefined : laneOf(runbook, rung, rungParams.data, policy);
      if (lane) {
        const turn = await acquire(runbook, lane, laneLimits);
        if (turn.decision === 'refused') return finish('refused', `${runbook}: ${turn.reason}`);
        mark('turn taken', `${runbook} runs one at a time in ${lane}`);
      }
      let grant: GuardDecision | undefined;
      try {
        grant = input.dryRun ? undefined : await acquire(runbook, target, targetLimits);
      } catch (err) {
        if (lane) await release(lane, incidentId, 'aborted', mark); // the lane is never left held
        throw err;
      }
      if (grant?.decision === 'refused') {
        if (lane) await release(lane, incidentId, 'aborted', mark);
        return finish('refused', `${runbook}: ${grant.reason}`);
      }
      if (grant?.decision === 'granted') {
        mark('target acquired', `${runbook}: attempt ${grant.attempt} of ${grant.of}`);
        if (grant.blocked) mark('blocked', `${runbook} is blocked on ${target} until ${grant.blocked.until} (${grant.blocked.reason}): it asks a human`);
      }

      setStatus('remediating', `runbook ${runbook}`);
      const started = Date.now();
      const runbookInput: RunbookInput = {
        runbook,
        params,
        target,
        incidentId,
        severity: input.severity,
        dryRun: !!input.dryRun,
        policy,
        tagStatus: searchAttributes,
        alertResolved: alerts?.resolution,
        notifications: notices.enabled ? notifications : undefined,
        blocked: grant?.decision === 'granted' ? grant.blocked : undefined,
      };
      let result: RunbookResult;
      try {
        result = await runChild(runbookInput, searchAttributes, (h) => {
          child = h;
          if (lifted) void h.signal(blockLiftedSignal, lifted).catch(() => undefined);
          runbookWorkflowId = h.workflowId;
          publish();
        });
      } catch (err) {
        if (isCancellation(err)) {
          if (grant) await release(target, incidentId, 'aborted', mark);
          if (lane) await release(lane, incidentId, 'aborted', mark);
          throw err;
        }
        result = { runbook, status: 'failed', reason: errorMessage(err), dryRun: runbookInput.dryRun, steps: [], approvals: [], verifications: [] };
      } finally {
        child = undefined;
        approval = undefined;
        lifted = undefined; // it was for this rung's block: a later rung's block is a new one
      }
      if (grant) await release(target, incidentId, releaseOutcome(result), mark, result.block);
      if (lane) await release(lane, incidentId, 'recovered', mark);
      attempts.push(result);
      metrics.attempt(runbook, result.status, (Date.now() - started) / 1000);
      mark(`runbook ${result.status}`, `${runbook}${result.reason ? `: ${result.reason}` : ''}`);
      notices.attempted(result);

      switch (result.status) {
        case 'verified':
          return finish('recovered');
        case 'not-needed':
          return finish('not-needed', result.reason);
        case 'planned':
          return finish('planned', `dry-run of ${runbook}; ladder: ${ladder.join(' → ')}`);
        case 'rejected':
          return finish('rejected', result.reason);
        case 'stood-down':
          return finish('stood-down', result.reason);
        case 'approval-timeout':
        case 'needs-people':
          return finish('escalated', result.reason);
        default:
          // A target left half-changed gets people, not a heavier runbook.
          if (result.steps.some((s) => s.status === 'undo-failed')) {
            return finish('escalated', `${runbook} could not undo every step: ${result.reason ?? 'failed'}`);
          }
          continue;
      }
    }
    return finish('escalated', `no runbook recovered ${target} (tried ${ladder.join(' → ')})`);
  };

  let outcome: RecoveryRecord;
  try {
    outcome = await climb();
  } catch (err) {
    if (!isCancellation(err)) {
      notices.crashed(`the incident failed before its outcome: ${errorMessage(err)}`);
      await notices.flush();
    }
    throw err;
  }
  if (alerts?.firing) {
    // Repeats of the alert land here instead of opening a second incident, until it resolves.
    const holdOpen = input.alert!.holdOpen;
    setStatus(status, `the alert to resolve (open for up to ${holdOpen})`);
    const resolved = await condition(() => !alerts.firing, holdOpen);
    waitingFor = undefined;
    mark('closed', resolved ? 'the alert resolved' : `the alert still fired after ${holdOpen}; its next notification opens a new incident`);
  }
  await notices.flush(); // nothing sent is cut off
  return outcome;
}

/** The blast-radius lane a runbook must take its turn in, when the policy runs it one at a time. */
function laneOf(runbook: string, rung: RunbookDefinition, params: unknown, policy: SafetyPolicy): string | undefined {
  if (!rung.blastRadius || !policy.oneAtATime?.includes(runbook)) return undefined;
  return `one-at-a-time/${runbook}/${rung.blastRadius(params)}`;
}

/** How an attempt ends for the guard: only one that changed something and failed starts a cooldown. */
function releaseOutcome(result: RunbookResult): ReleaseRequest['outcome'] {
  if (result.status === 'verified' || result.status === 'not-needed') return 'recovered';
  if (result.status === 'stood-down') return 'aborted';
  return result.steps.some((s) => s.status !== 'planned') ? 'failed' : 'aborted';
}

/** Frees the target for the next incident, even while this one is being cancelled; a gone guard is noted. */
async function release(
  target: string,
  incidentId: string,
  outcome: ReleaseRequest['outcome'],
  mark: (event: string, detail?: string) => void,
  block?: ReleaseRequest['block'],
): Promise<void> {
  try {
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(guardWorkflowId(target)).signal(releaseSignal, { incidentId, outcome, ...(block && { block }) }),
    );
  } catch (err) {
    mark('release failed', `the guard of ${target} did not take the release: ${errorMessage(err)}`);
  }
}

async function runChild(
  input: RunbookInput,
  tagged: boolean,
  onStart: (h: ChildWorkflowHandle<() => Promise<RunbookResult>>) => void,
): Promise<RunbookResult> {
  const handle = await startChild<(i: RunbookInput) => Promise<RunbookResult>>(input.runbook, {
    workflowId: `${input.incidentId}/${input.runbook}`,
    args: [input],
    typedSearchAttributes: tagged
      ? [
          { key: runbookKey, value: input.runbook },
          { key: targetKey, value: input.target },
          { key: severityKey, value: input.severity },
          { key: statusKey, value: 'running' },
        ]
      : undefined,
  });
  onStart(handle as unknown as ChildWorkflowHandle<() => Promise<RunbookResult>>);
  return handle.result();
}

function renderIncident(v: IncidentView): string {
  const lines = [`**Incident** on \`${v.target}\`: ${v.status}`];
  if (v.approval) lines.push(...describeApproval(v.approval));
  else if (v.waitingFor) lines.push(`Waiting for: ${v.waitingFor}`);
  if (v.runbookWorkflowId) lines.push(`Runbook workflow: ${v.runbookWorkflowId} (approve/reject here or there)`);
  if (v.ladder.length) lines.push(`Ladder: ${v.ladder.join(' → ')} → people`);
  if (v.alerts) lines.push(`Alert: ${v.alerts.firing ? 'firing' : 'resolved'} (${v.alerts.notifications} notifications, key ${v.alerts.key})`);
  for (const t of v.timeline.slice(-8)) lines.push(`- ${t.at} ${t.event}${t.detail ? `: ${t.detail}` : ''}`);
  return lines.join('\n');
}
