// An incident's turns at the target guard (and at a blast-radius lane's guard): asked for by update, waited for in the
// queue until the guard's decision signal, and given back with how the attempt ended.
import { CancellationScope, condition, getExternalWorkflowHandle, setHandler, workflowInfo, type ActivityInterfaceFor } from '@temporalio/workflow';
import type { MendActivities } from '../activities';
import { toMs } from '../common/duration';
import { errorMessage } from '../common/error-message';
import type { RunbookResult, SafetyPolicy } from '../common/types';
import { guardDecisionSignal, guardWorkflowId, releaseSignal, type AcquireRequest, type GuardDecision, type ReleaseRequest } from './definitions';
import type { IncidentState } from './incident-state';
import type { RunbookDefinition } from './kit/define';

type Limits = Omit<AcquireRequest, 'incidentId' | 'runbook'>;

export class GuardTurns {
  readonly targetLimits: Limits;
  // A blast-radius lane is a guard with no budget: only its mutex counts.
  readonly laneLimits: Limits;
  private decision: GuardDecision | undefined;

  /** Handles the guard's decision signal from here on. */
  constructor(
    private readonly state: IncidentState,
    private readonly acts: Pick<ActivityInterfaceFor<MendActivities>, 'acquireTarget'>,
    private readonly policy: SafetyPolicy,
  ) {
    setHandler(guardDecisionSignal, (d) => void (this.decision = d), { description: "The target guard's answer to a queued request" });
    const maxHoldMs = toMs(policy.maxHold);
    this.targetLimits = {
      maxAttempts: policy.attempts.max,
      windowMs: toMs(policy.attempts.window),
      cooldownMs: toMs(policy.cooldown),
      maxHoldMs,
    };
    this.laneLimits = { maxAttempts: 1, windowMs: 0, cooldownMs: 0, maxHoldMs };
  }

  /** The guard's answer, at once; when queued, its decision signal, or a refusal after the policy's lockWait. */
  async acquire(runbook: string, guarded: string, limits: Limits): Promise<GuardDecision> {
    this.state.setStatus('waiting-for-target', `the guard of ${guarded}`);
    this.decision = undefined;
    const answer = await this.acts.acquireTarget({ target: guarded, request: { incidentId: this.state.incidentId, incidentRunId: workflowInfo().runId, runbook, ...limits } });
    if (answer.decision !== 'queued') return answer;
    this.state.setStatus('waiting-for-target', `${guarded} is held by ${answer.behind}`);
    let turn: boolean;
    try {
      turn = await condition(() => this.decision?.runbook === runbook, this.policy.lockWait);
    } catch (err) {
      await this.release(guarded, 'aborted'); // cancelled while queued: leave the queue
      throw err;
    }
    if (turn) return this.decision!;
    await this.release(guarded, 'aborted');
    return { decision: 'refused', runbook, reason: `${guarded} stayed busy for ${this.policy.lockWait}` };
  }

  /** Frees the target for the next incident, even while this one is being cancelled; a gone guard is noted. */
  async release(target: string, outcome: ReleaseRequest['outcome'], block?: ReleaseRequest['block']): Promise<void> {
    const { incidentId } = this.state;
    try {
      await CancellationScope.nonCancellable(() => getExternalWorkflowHandle(guardWorkflowId(target)).signal(releaseSignal, { incidentId, outcome, ...(block && { block }) }));
    } catch (err) {
      this.state.mark('release failed', `the guard of ${target} did not take the release: ${errorMessage(err)}`);
    }
  }
}

/** The blast-radius lane a runbook must take its turn in, when the policy runs it one at a time. */
export function laneOf(runbook: string, rung: RunbookDefinition, params: unknown, policy: SafetyPolicy): string | undefined {
  if (!rung.blastRadius || !policy.oneAtATime?.includes(runbook)) return undefined;
  return `one-at-a-time/${runbook}/${rung.blastRadius(params)}`;
}

/** How an attempt ends for the guard: only one that changed something and failed starts a cooldown. */
export function releaseOutcome(result: RunbookResult): ReleaseRequest['outcome'] {
  if (result.status === 'verified' || result.status === 'not-needed') return 'recovered';
  if (result.status === 'stood-down') return 'aborted';
  return result.steps.some((s) => s.status !== 'planned') ? 'failed' : 'aborted';
}
