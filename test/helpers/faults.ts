// Failure injection for tests: the next call of a named activity fails, before it acts or after it has acted
// (as when a worker dies between the change and its report). A worker interceptor; the system acted on is real.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export type FaultWhen = 'before' | 'after';

export class FaultPlan {
  private readonly pending = new Map<string, FaultWhen>();
  /** Activities that failed by injection, in order. */
  readonly injected: string[] = [];

  /** The next call of this activity fails (once, without retry). */
  inject(activity: string, when: FaultWhen): void {
    this.pending.set(activity, when);
  }

  clear(): void {
    this.pending.clear();
    this.injected.length = 0;
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: async (input, next) => {
        const type = ctx.info.activityType;
        const when = this.pending.get(type);
        if (!when) return next(input);
        this.pending.delete(type);
        this.injected.push(type);
        const fault = () => ApplicationFailure.nonRetryable(`injected fault ${when} ${type}`, 'NonRetryable');
        if (when === 'before') throw fault();
        await next(input);
        throw fault();
      },
    },
  });
}
