// The safety policy made durable: one guard per target. A mutex (one remediation in flight, others queue in
// order), an attempt budget reserved before acting, a cooldown after failure, and an operator override.
import { errorMessage } from '../common/error-message';
import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { deciderRefusal, legacyRefusal, recordedSender, signer } from '../common/approvers';
import type { OperatorIdentity } from '../common/operator-identity';
import type { TimelineEntry } from '../common/types';
import { bootstrap } from './bootstrap';
import { OperatorSignals, relayOf } from './operator-signals';
import { changed } from './patches';

import {
  acquireUpdate,
  blockLiftedSignal,
  guardDecisionSignal,
  guardStateQuery,
  overrideSignal,
  releaseSignal,
  type AcquireRequest,
  type AcquireResult,
  type GuardDecision,
  type GuardView,
  type OverrideRequest,
} from './definitions';

interface Holder {
  request: AcquireRequest;
  since: number;
  attempt: number;
}

export interface GuardState {
  attempts: { incidentId: string; runbook: string; at: number; windowMs: number }[];
  holder?: Holder;
  queue: AcquireRequest[];
  cooldownUntil?: number;
  /** The incident whose failure started the cooldown: its own escalation ladder may go on. */
  cooldownAfter?: string;
  /** Runbooks held back on this target until a time (anti-flapping), by runbook name. */
  blocks?: Record<string, { until: number; reason: string }>;
  history: TimelineEntry[];
}

export interface GuardInput {
  target: string;
  state?: GuardState;
}

const keepHistory = 50;

export async function targetGuard({ target, state }: GuardInput): Promise<void> {
  const s: GuardState = state ?? { attempts: [], queue: [], history: [] };
  const activeBlock = (runbook: string) => {
    const block = s.blocks?.[runbook];
    return block && block.until > Date.now() ? { until: iso(block.until), reason: block.reason } : undefined;
  };

  const view = (): GuardView => ({
    target,
    holder: s.holder && {
      incidentId: s.holder.request.incidentId,
      runbook: s.holder.request.runbook,
      since: iso(s.holder.since),
    },
    waiting: s.queue.map((r) => r.incidentId),
    attempts: s.attempts.map((a) => ({ incidentId: a.incidentId, runbook: a.runbook, at: iso(a.at) })),
    cooldownUntil: s.cooldownUntil ? iso(s.cooldownUntil) : undefined,
    blocks: Object.keys(s.blocks ?? {}).flatMap((runbook) => {
      const block = activeBlock(runbook);
      return block ? [{ runbook, ...block }] : [];
    }),
    history: s.history,
  });
  const publish = () => setCurrentDetails(render(view()));
  const record = (event: string, detail?: string) => {
    s.history.push({ at: iso(Date.now()), event, detail });
    if (s.history.length > keepHistory) s.history.splice(0, s.history.length - keepHistory);
    publish();
  };

  /** Grants or refuses a request now. */
  const decide = (req: AcquireRequest): GuardDecision => {
    const refusal = budgetRefusal(s, req, Date.now());
    if (refusal) {
      record('refused', `${req.incidentId}: ${refusal}`);
      return { decision: 'refused', runbook: req.runbook, reason: refusal };
    }
    const attempt = recentAttempts(s, req.windowMs, Date.now()).length + 1;
    s.attempts.push({ incidentId: req.incidentId, runbook: req.runbook, at: Date.now(), windowMs: req.windowMs });
    s.holder = { request: req, since: Date.now(), attempt };
    const blocked = activeBlock(req.runbook);
    record('granted', `${req.incidentId} (${req.runbook}), attempt ${attempt} of ${req.maxAttempts}${blocked ? `, blocked until ${blocked.until}: a human decides` : ''}`);
    return { decision: 'granted', runbook: req.runbook, attempt, of: req.maxAttempts, blocked };
  };

  setHandler(
    acquireUpdate,
    (req): AcquireResult => {
      const { holder } = s;
      if (holder?.request.incidentId === req.incidentId) {
        const { runbook, maxAttempts } = holder.request;
        return { decision: 'granted', runbook, attempt: holder.attempt, of: maxAttempts, blocked: activeBlock(runbook) };
      }
      if (holder || s.queue.length > 0) {
        if (!s.queue.some((q) => q.incidentId === req.incidentId)) s.queue.push(req);
        record('queued', `${req.incidentId} behind ${holder?.request.incidentId ?? s.queue[0].incidentId}`);
        return { decision: 'queued', runbook: req.runbook, behind: holder?.request.incidentId ?? s.queue[0].incidentId };
      }
      return decide(req);
    },
    {
      validator: (req) => {
        const problem = requestProblem(req) ?? budgetRefusal(s, req, Date.now());
        if (problem) throw new Error(problem);
      },
      description: 'Ask to act on this target: granted now, queued behind the holder, or refused by the budget',
    },
  );

  setHandler(
    releaseSignal,
    ({ incidentId, outcome, block }) => {
      const queued = s.queue.findIndex((q) => q.incidentId === incidentId);
      if (queued >= 0) {
        s.queue.splice(queued, 1);
        record('left the queue', `${incidentId}: ${outcome}`);
      }
      if (s.holder?.request.incidentId !== incidentId) return;
      if (outcome === 'failed') {
        s.cooldownUntil = Date.now() + s.holder.request.cooldownMs;
        s.cooldownAfter = incidentId;
      }
      s.holder = undefined;
      record('released', `${incidentId}: ${outcome}`);
      if (block && block.forMs > 0) {
        s.blocks = { ...s.blocks, [block.runbook]: { until: Date.now() + block.forMs, reason: block.reason } };
        record('blocked', `${block.runbook} until ${iso(Date.now() + block.forMs)}: ${block.reason}`);
      }
    },
    {
      description: 'The holder is done with the target: {"incidentId": "...", "outcome": "recovered|failed|aborted", "block"?: {"runbook", "forMs", "reason"}}',
    },
  );

  const operators = new OperatorSignals();
  /** Resets the budget and lifts the cooldown and blocks; `by` is who did it (authenticated unless replayed from before). */
  const override = (by: string, request: OverrideRequest, sender?: OperatorIdentity) => {
    const lifted = Object.keys(s.blocks ?? {}).filter((runbook) => activeBlock(runbook));
    s.attempts = [];
    s.cooldownUntil = undefined;
    s.blocks = undefined;
    record('override', `budget and cooldown reset${lifted.length ? `, block on ${lifted.join(', ')} lifted` : ''} by ${by}: ${request.reason}`);
    const holder = s.holder?.request;
    if (holder && lifted.includes(holder.runbook)) {
      void getExternalWorkflowHandle(holder.incidentId)
        .signal(blockLiftedSignal, { by, reason: request.reason, ...(sender && { relay: relayOf(sender, { workflowId: holder.incidentId, runId: holder.incidentRunId ?? '' }) }) })
        .catch(() => undefined);
    }
  };
  // Only the policy's approvers as configured now. A policy that cannot be read refuses the override (a failure here
  // would end the guard and its budget with it).
  const approvers = () =>
    bootstrap.incidentSettings().then(
      ({ policy }) => policy.approval.approvers,
      (err) => new Error(`the policy cannot be read: ${errorMessage(err)}`),
    );
  setHandler(
    overrideSignal,
    operators.handler('override', async (request: OverrideRequest, sender?: OperatorIdentity) => {
      const claimed = signer(request);
      if (sender) {
        const allowed = await approvers();
        const refusal = allowed instanceof Error ? allowed.message : deciderRefusal(sender, claimed, allowed);
        const by = recordedSender(sender, claimed);
        if (refusal) record('override refused', refusal.includes(by) ? refusal : `${by}: ${refusal}`);
        else override(by, request, sender);
        return;
      }
      // Recorded before senders were authenticated: the "by" as given (checked if recorded after that check came).
      const allowed = changed('overrideByCurrentPolicy') ? await approvers() : undefined;
      const refusal = allowed instanceof Error ? allowed.message : allowed && legacyRefusal(claimed, allowed);
      if (refusal) record('override refused', refusal);
      else override(claimed, request);
    }),
    {
      description:
        'An allowed approver resets the attempt budget and lifts the cooldown and any block (a holder waiting on the block goes on), counted as who signed in (Temporal UI, `mend override`): {"reason": "<why>"}',
    },
  );

  setHandler(guardStateQuery, view, { description: 'Holder, queued incidents, attempts in the window, cooldown' });
  publish();

  for (;;) {
    if (s.holder) {
      const expiresAt = s.holder.since + s.holder.request.maxHoldMs;
      if (Date.now() >= expiresAt) {
        record('lock broken', `${s.holder.request.incidentId} held the target past maxHold`);
        s.holder = undefined;
      } else await condition(() => !s.holder, expiresAt - Date.now());
      continue;
    }
    const next = s.queue.shift();
    if (next) {
      await tell(next.incidentId, decide(next), s);
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (!s.holder && s.queue.length === 0) await continueAsNew<typeof targetGuard>({ target, state: s });
      continue;
    }
    // Idle: stay while attempts or a cooldown must be remembered, then end (the next acquire starts anew).
    s.attempts = s.attempts.filter((a) => a.at + a.windowMs > Date.now());
    const rememberFor = Math.max(1, forgetAt(s) - Date.now());
    if (await condition(() => !!s.holder || s.queue.length > 0, rememberFor)) continue;
    await condition(allHandlersFinished);
    if (!s.holder && s.queue.length === 0 && forgetAt(s) <= Date.now()) return;
  }
}

/** Sends a queued incident its decision; an incident that is gone loses its grant. */
async function tell(incidentId: string, decision: GuardDecision, s: GuardState): Promise<void> {
  try {
    await getExternalWorkflowHandle(incidentId).signal(guardDecisionSignal, decision);
  } catch {
    if (s.holder?.request.incidentId === incidentId) s.holder = undefined;
  }
}

function recentAttempts(s: GuardState, windowMs: number, now: number) {
  return s.attempts.filter((a) => a.at > now - windowMs);
}

function budgetRefusal(s: GuardState, req: AcquireRequest, now: number): string | undefined {
  if (s.cooldownUntil && s.cooldownUntil > now && s.cooldownAfter !== req.incidentId) {
    return `cooling down after a failed attempt until ${iso(s.cooldownUntil)}`;
  }
  const recent = recentAttempts(s, req.windowMs, now);
  if (recent.length >= req.maxAttempts) {
    const next = iso(recent[0].at + req.windowMs);
    return `attempt budget spent: ${recent.length} of ${req.maxAttempts} within ${req.windowMs / 1000}s; next attempt allowed at ${next}`;
  }
  return undefined;
}

function requestProblem(req: AcquireRequest): string | undefined {
  if (!req || typeof req.incidentId !== 'string' || !req.incidentId) return 'incidentId is required';
  if (typeof req.runbook !== 'string' || !req.runbook) return 'runbook is required';
  for (const k of ['maxAttempts', 'windowMs', 'cooldownMs', 'maxHoldMs'] as const) {
    if (typeof req[k] !== 'number' || !(req[k] >= 0)) return `${k} must be a non-negative number`;
  }
  return undefined;
}

function forgetAt(s: GuardState): number {
  const blocks = Object.values(s.blocks ?? {}).map((b) => b.until);
  return Math.max(s.cooldownUntil ?? 0, ...blocks, ...s.attempts.map((a) => a.at + a.windowMs));
}

const iso = (ms: number) => new Date(ms).toISOString();

function render(v: GuardView): string {
  const lines = [`Guard for \`${v.target}\``];
  lines.push(v.holder ? `Held by ${v.holder.incidentId} (${v.holder.runbook}) since ${v.holder.since}` : 'Free');
  if (v.waiting.length) lines.push(`Queued: ${v.waiting.join(', ')}`);
  lines.push(`Attempts in window: ${v.attempts.length}`);
  if (v.cooldownUntil) lines.push(`Cooldown until ${v.cooldownUntil}`);
  for (const b of v.blocks) lines.push(`Blocked: ${b.runbook} until ${b.until} (${b.reason}); lift with signal \`override\` {"reason": "<why>"} or \`mend override\``);
  return lines.join('\n');
}
