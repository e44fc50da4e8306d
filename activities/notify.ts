// The notifier activity: a notice goes to every sink routed for it, all at once, each with a few short attempts, so
// one bad sink neither delays nor resends the others. Outcomes are counted per sink; it never throws.
import { setTimeout as delay } from 'node:timers/promises';
import { log } from '@temporalio/activity';
import type { Notice, NotifyActivities } from '../common/notice';
import { toMs } from '../common/duration';
import type { NotificationsConfig } from '../config/notifications-schema';
import { createSinks, type SinkRequest } from './notify-sinks';

export type NotifyOutcome = 'sent' | 'failed';

/** Where outcomes are counted (the worker's mend_notifications_total). */
export interface NotifyCounter {
  inc(labels: { sink: string; kind: string; outcome: NotifyOutcome }): void;
}

/** The pause before attempt n+1. */
const pauseMs = (attempt: number): number => 200 * 2 ** (attempt - 1);

/** The longest one notify can take: every attempt timing out, plus the pauses between, plus a margin. */
export function notifyTimeoutMs(config: NotificationsConfig): number {
  let pauses = 0;
  for (let a = 1; a < config.attempts; a++) pauses += pauseMs(a);
  return config.attempts * toMs(config.timeout) + pauses + 5_000;
}

export function notifyActivities(config: NotificationsConfig, counter?: NotifyCounter, env: NodeJS.ProcessEnv = process.env): NotifyActivities {
  const sinks = createSinks(config, env);
  const timeoutMs = toMs(config.timeout);
  return {
    async notify(notice: Notice) {
      const outcomes = await Promise.all(
        sinks
          .filter((sink) => notice && sink.accepts(notice))
          .map(async (sink) => {
            const problem = await deliver(sink.request(notice), config.attempts, timeoutMs);
            counter?.inc({ sink: sink.name, kind: notice.kind, outcome: problem ? 'failed' : 'sent' });
            if (problem) log.warn('notification failed', { sink: sink.name, kind: notice.kind, incidentId: notice.incidentId, problem });
            return { sink: sink.name, ok: !problem };
          }),
      );
      return { sent: outcomes.filter((o) => o.ok).map((o) => o.sink), failed: outcomes.filter((o) => !o.ok).map((o) => o.sink) };
    },
  };
}

/** Posts until a 2xx or the attempts run out; a 4xx other than 429 is not retried. Undefined when sent. */
async function deliver(request: SinkRequest, attempts: number, timeoutMs: number): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    let retry = true;
    try {
      const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return undefined;
      problem = `HTTP ${res.status}`;
      retry = res.status >= 500 || res.status === 429;
    } catch (err) {
      problem = why(err, timeoutMs);
    }
    if (!retry || attempt >= attempts) return `${problem} (attempt ${attempt} of ${attempts})`;
    await delay(pauseMs(attempt));
  }
}

/** What went wrong, without the URL (a Slack webhook's URL is a secret). */
function why(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.name ?? 'request failed';
}
