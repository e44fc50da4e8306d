// The runbook ladder: the runbook an incident opens with (or the one it chooses by the diagnosis), then each rung
// in turn under the target guard, as a child workflow, until one ends the incident or people take over.
import { ApplicationFailure, isCancellation, proxySinks, startChild } from '@temporalio/workflow';
import { errorMessage } from '../common/error-message';
import { runbookKey, severityKey, statusKey, targetKey } from '../common/search-attributes';
import type { IncidentInput, NotificationSettings, RecoveryRecord, RunbookInput, RunbookResult, SafetyPolicy } from '../common/types';
import { formatIssues } from '../common/zod-issues';
import type { AlertBook } from './alert-book';
import { findRunbook, ladderFrom } from './catalog';
import type { GuardDecision } from './definitions';
import { laneOf, releaseOutcome, type GuardTurns } from './incident-guard-turns';
import type { IncidentNotices } from './incident-notices';
import { endAfter, type IncidentOutcome } from './incident-outcome';
import type { RunbookHandle, RunbookRelay } from './incident-relay';
import type { IncidentState } from './incident-state';
import type { RunbookDefinition } from './kit/define';
import type { MendSinks } from './sinks';

const { metrics } = proxySinks<MendSinks>();

/** The runbook the incident opens with, and its parsed params; an unknown runbook or invalid params end it. */
export function openingRunbook(input: IncidentInput): { first: RunbookDefinition; parsed: unknown } {
  const first = findRunbook(input.runbook);
  if (!first) throw ApplicationFailure.nonRetryable(`unknown runbook "${input.runbook}"`, 'NonRetryable');
  const parsed = first.params.safeParse(input.params);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid params: ${formatIssues(parsed.error).join('; ')}`, 'NonRetryable');
  }
  return { first, parsed: parsed.data };
}

/**
 * The first runbook may choose another by the facts, e.g. a rollout undo for a crash loop that followed a rollout:
 * its target and ladder replace the first's. Returns the params the ladder runs with.
 */
export function chooseByFacts(
  state: IncidentState,
  input: IncidentInput,
  first: RunbookDefinition,
  parsed: unknown,
  facts: Record<string, unknown> | undefined,
): IncidentInput['params'] {
  const choice = first.select?.(parsed, facts);
  if (!choice) return input.params;
  const chosen = findRunbook(choice.runbook);
  const chosenParams = chosen?.params.safeParse(choice.params);
  if (!chosen || !chosenParams?.success) {
    state.mark('choice ignored', `${input.runbook} chose ${choice.runbook} with params it does not take`);
    return input.params;
  }
  state.target = chosen.target(chosenParams.data);
  state.ladder = ladderFrom(choice.runbook);
  state.mark('runbook chosen', `${choice.runbook} on ${state.target}: ${choice.because}`);
  state.tag([
    { key: runbookKey, value: choice.runbook },
    { key: targetKey, value: state.target },
  ]);
  return choice.params;
}

/** The rung's params when they describe the incident's target; otherwise it cannot run on this incident. */
export function rungParams(runbook: string, params: IncidentInput['params'], target: string): { rung: RunbookDefinition; data: unknown } | undefined {
  const rung = findRunbook(runbook);
  const parsed = rung?.params.safeParse(params);
  return rung && parsed?.success && rung.target(parsed.data) === target ? { rung, data: parsed.data } : undefined;
}

/** What a climb works with: the incident, its settings and its parts. */
export interface LadderRun {
  input: IncidentInput;
  params: IncidentInput['params'];
  policy: SafetyPolicy;
  searchAttributes: boolean;
  notifications: NotificationSettings | undefined;
  alerts: AlertBook | undefined;
  state: IncidentState;
  relay: RunbookRelay;
  turns: GuardTurns;
  notices: IncidentNotices;
  outcome: IncidentOutcome;
}

/** Tries each rung in turn: the first verified recovery, or a result that needs no other, ends the incident. */
export async function climb(run: LadderRun): Promise<RecoveryRecord> {
  const { input, params, policy, searchAttributes, notifications, alerts, state, relay, turns, notices, outcome } = run;
  const { incidentId, target } = state;
  for (const runbook of state.rungs()) {
    const runnable = rungParams(runbook, params, target);
    if (!runnable) {
      state.mark('rung skipped', `${runbook}: its params do not describe ${target}`);
      continue;
    }
    const { rung, data } = runnable;
    const lane = input.dryRun ? undefined : laneOf(runbook, rung, data, policy);
    if (lane) {
      const turn = await turns.acquire(runbook, lane, turns.laneLimits);
      if (turn.decision === 'refused') return outcome.finish('refused', `${runbook}: ${turn.reason}`);
      state.mark('turn taken', `${runbook} runs one at a time in ${lane}`);
    }
    let grant: GuardDecision | undefined;
    try {
      grant = input.dryRun ? undefined : await turns.acquire(runbook, target, turns.targetLimits);
    } catch (err) {
      if (lane) await turns.release(lane, 'aborted'); // the lane is never left held
      throw err;
    }
    if (grant?.decision === 'refused') {
      if (lane) await turns.release(lane, 'aborted');
      return outcome.finish('refused', `${runbook}: ${grant.reason}`);
    }
    if (grant?.decision === 'granted') {
      state.mark('target acquired', `${runbook}: attempt ${grant.attempt} of ${grant.of}`);
      if (grant.blocked) state.mark('blocked', `${runbook} is blocked on ${target} until ${grant.blocked.until} (${grant.blocked.reason}): it asks a human`);
    }

    state.setStatus('remediating', `runbook ${runbook}`);
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
      requester: state.requester,
    };
    let result: RunbookResult;
    try {
      result = await runChild(runbookInput, searchAttributes, (h) => relay.started(h));
    } catch (err) {
      if (isCancellation(err)) {
        if (grant) await turns.release(target, 'aborted');
        if (lane) await turns.release(lane, 'aborted');
        throw err;
      }
      result = { runbook, status: 'failed', reason: errorMessage(err), dryRun: runbookInput.dryRun, steps: [], approvals: [], verifications: [] };
    } finally {
      relay.ended();
    }
    if (grant) await turns.release(target, releaseOutcome(result), result.block);
    if (lane) await turns.release(lane, 'recovered');
    state.attempts.push(result);
    metrics.attempt(runbook, result.status, (Date.now() - started) / 1000);
    state.mark(`runbook ${result.status}`, `${runbook}${result.reason ? `: ${result.reason}` : ''}`);
    notices.attempted(result);

    const end = endAfter(result, runbook, state.ladder);
    if (end) return outcome.finish(end.status, end.reason);
  }
  return outcome.finish('escalated', `no runbook recovered ${target} (tried ${state.rungs().join(' → ')})`);
}

/** Starts the rung's runbook as a child workflow, tagged like the incident, and waits for its result. */
async function runChild(input: RunbookInput, tagged: boolean, onStart: (h: RunbookHandle) => void): Promise<RunbookResult> {
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
  onStart(handle as unknown as RunbookHandle);
  return handle.result();
}
