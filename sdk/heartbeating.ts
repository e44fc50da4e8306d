// Keeps a long activity alive: a heartbeat every 5 s while its work runs (a worker that dies stops them).
import { Context } from '@temporalio/activity';

/** Runs `work` with the activity's cancellation signal, heartbeating until it settles (with `details()` if given). */
export async function heartbeating<T>(work: (signal: AbortSignal) => Promise<T>, details?: () => unknown): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(details?.()), 5000);
  try {
    return await work(context.cancellationSignal);
  } finally {
    clearInterval(timer);
  }
}

/** Heartbeats progress `details` inside an activity; an action called directly (outside one) just goes on. */
export function reportProgress(details: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  context.heartbeat(details);
}
