// The safety policy made durable: one guard per target. A mutex (one remediation in flight), an attempt
// budget reserved before acting, a cooldown after failure, and an operator override.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TimelineEntry } from '../common/types';
import {
  acquireUpdate,
  guardStateQuery,
  overrideSignal,
  releaseSignal,
  type AcquireRequest,
  type AcquireResult,
  type GuardView,
} from './definitions';

interface Holder {
  incidentId: string;
  runbook: string;
  since: number;
  attempt: number;
  of: number;
  cooldownMs: number;
  maxHoldMs: number;
}

export interface GuardState {
  attempts: { incidentId: string; runbook: string; at: number; windowMs: number }[];
  holder?: Holder;
  cooldownUntil?: number;
  /** Incidents that gave up before they were granted: a late grant must not go to them. */
  abandoned: string[];
  history: TimelineEntry[];
}

export interface GuardInput {
  target: string;
  state?: GuardState;
}

const keepHistory = 50;
const keepAbandoned = 100;

export async function targetGuard({ target, state }: GuardInput): Promise<void> {
  const s: GuardState = state ?? { attempts: [], abandoned: [], history: [] };
  const waiting: string[] = [];
  const busy = () => s.holder !== undefined || waiting.length > 0;

  const record = (event: string, detail?: string) => {
    s.history.push({ at: new Date().toISOString(), event, detail });
    if (s.history.length > keepHistory) s.history.splice(0, s.history.length - keepHistory);
    setCurrentDetails(render(view()));
  };

  const view = (): GuardView => ({
    target,
    holder: s.holder && {
      incidentId: s.holder.incidentId,
      runbook: s.holder.runbook,
      since: new Date(s.holder.since).toISOString(),
    },
    waiting: [...waiting],
    attempts: s.attempts.map((a) => ({ incidentId: a.incidentId, runbook: a.runbook, at: new Date(a.at).toISOString() })),
    cooldownUntil: s.cooldownUntil ? new Date(s.cooldownUntil).toISOString() : undefined,
    history: s.history,
  });

  setHandler(
    acquireUpdate,
    async (req): Promise<AcquireResult> => {
      if (s.holder?.incidentId === req.incidentId) {
        return { granted: true, attempt: s.holder.attempt, of: s.holder.of };
      }
      waiting.push(req.incidentId);
      try {
        const blocked = await waitForLock(s, req, record);
        if (blocked) return refuse(req, blocked);
        const refusal = budgetRefusal(s, req, Date.now());
        if (refusal) return refuse(req, refusal);
        const attempt = s.attempts.filter((a) => a.at > Date.now() - req.windowMs).length + 1;
        s.attempts.push({ incidentId: req.incidentId, runbook: req.runbook, at: Date.now(), windowMs: req.windowMs });
        s.holder = {
          incidentId: req.incidentId,
          runbook: req.runbook,
          since: Date.now(),
          attempt,
          of: req.maxAttempts,
          cooldownMs: req.cooldownMs,
          maxHoldMs: req.maxHoldMs,
        };
        record('granted', `${req.incidentId} (${req.runbook}), attempt ${attempt} of ${req.maxAttempts}`);
        return { granted: true, attempt, of: req.maxAttempts };
      } finally {
        waiting.splice(waiting.indexOf(req.incidentId), 1);
        setCurrentDetails(render(view()));
      }
    },
    {
      validator: (req) => {
        const problem = requestProblem(req) ?? budgetRefusal(s, req, Date.now());
        if (problem) throw new Error(problem);
      },
      description: 'Ask to act on this target: waits for the lock, then reserves one attempt from the budget',
    },
  );

  const refuse = (req: AcquireRequest, reason: string): AcquireResult => {
    record('refused', `${req.incidentId}: ${reason}`);
    return { granted: false, reason };
  };

  setHandler(
    releaseSignal,
    ({ incidentId, outcome }) => {
      if (s.holder?.incidentId !== incidentId) {
        s.abandoned.push(incidentId);
        if (s.abandoned.length > keepAbandoned) s.abandoned.shift();
        return;
      }
      if (outcome === 'failed') s.cooldownUntil = Date.now() + s.holder.cooldownMs;
      s.holder = undefined;
      record('released', `${incidentId}: ${outcome}`);
    },
    { description: 'The holder is done with the target: {"incidentId": "...", "outcome": "recovered|failed|aborted"}' },
  );

  setHandler(
    overrideSignal,
    ({ by, reason }) => {
      s.attempts = [];
      s.cooldownUntil = undefined;
      record('override', `budget and cooldown reset by ${by}: ${reason}`);
    },
    { description: 'Reset the attempt budget and lift the cooldown: {"by": "<name>", "reason": "<why>"}' },
  );

  setHandler(guardStateQuery, view, { description: 'Holder, waiting incidents, attempts in the window, cooldown' });
  setCurrentDetails(render(view()));

  // Live while anything is held or remembered; end when idle and every attempt has left its window.
  for (;;) {
    await condition(() => !busy());
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (!busy()) await continueAsNew<typeof targetGuard>({ target, state: s });
      continue;
    }
    pruneAttempts(s, Date.now());
    const rememberFor = Math.max(0, forgetAt(s) - Date.now());
    if (await condition(busy, Math.max(rememberFor, 1))) continue;
    await condition(allHandlersFinished);
    if (!busy() && forgetAt(s) <= Date.now()) return;
  }
}

/** Waits until the target is free, breaking a lock held past maxHold. Returns why it gave up, if it did. */
async function waitForLock(
  s: GuardState,
  req: AcquireRequest,
  record: (event: string, detail?: string) => void,
): Promise<string | undefined> {
  const deadline = Date.now() + req.lockWaitMs;
  const abandoned = () => s.abandoned.includes(req.incidentId);
  while (s.holder && !abandoned()) {
    const expiresAt = s.holder.since + s.holder.maxHoldMs;
    if (Date.now() >= expiresAt) {
      record('lock broken', `${s.holder.incidentId} held the target longer than ${s.holder.maxHoldMs} ms`);
      s.holder = undefined;
      break;
    }
    const until = Math.min(deadline, expiresAt);
    if (Date.now() >= deadline) return `another incident (${s.holder.incidentId}) still holds the target`;
    await condition(() => !s.holder || abandoned(), until - Date.now());
  }
  if (abandoned()) return 'the incident released the target before it was granted';
  return undefined;
}

function budgetRefusal(s: GuardState, req: AcquireRequest, now: number): string | undefined {
  if (s.cooldownUntil && s.cooldownUntil > now) {
    return `cooling down after a failed attempt until ${new Date(s.cooldownUntil).toISOString()}`;
  }
  const recent = s.attempts.filter((a) => a.at > now - req.windowMs);
  if (recent.length >= req.maxAttempts) {
    const next = new Date(recent[0].at + req.windowMs).toISOString();
    return `attempt budget spent: ${recent.length} of ${req.maxAttempts} within ${req.windowMs / 1000}s; next attempt allowed at ${next}`;
  }
  return undefined;
}

function requestProblem(req: AcquireRequest): string | undefined {
  if (!req || typeof req.incidentId !== 'string' || !req.incidentId) return 'incidentId is required';
  if (typeof req.runbook !== 'string' || !req.runbook) return 'runbook is required';
  for (const k of ['maxAttempts', 'windowMs', 'cooldownMs', 'lockWaitMs', 'maxHoldMs'] as const) {
    if (typeof req[k] !== 'number' || !(req[k] >= 0)) return `${k} must be a non-negative number`;
  }
  return undefined;
}

function pruneAttempts(s: GuardState, now: number): void {
  s.attempts = s.attempts.filter((a) => a.at + a.windowMs > now);
}

function forgetAt(s: GuardState): number {
  return Math.max(s.cooldownUntil ?? 0, ...s.attempts.map((a) => a.at + a.windowMs));
}

function render(v: GuardView): string {
  const lines = [`Guard for \`${v.target}\``];
  lines.push(v.holder ? `Held by ${v.holder.incidentId} (${v.holder.runbook}) since ${v.holder.since}` : 'Free');
  if (v.waiting.length) lines.push(`Waiting: ${v.waiting.join(', ')}`);
  lines.push(`Attempts in window: ${v.attempts.length}`);
  if (v.cooldownUntil) lines.push(`Cooldown until ${v.cooldownUntil}`);
  return lines.join('\n');
}
