// Failure injection for tests: the next call of a named activity fails, before it acts or after it has acted
// (as when a worker dies between the change and its report), or waits until the test releases it. A worker
// interceptor; the system acted on is real.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export type FaultWhen = 'before' | 'after';

/** A held activity call: `started` settles when the call arrives; `release` lets it run. */
export interface Hold {
  started: Promise<void>;
  release(): void;
}

export class FaultPlan {
  private readonly pending = new Map<string, FaultWhen>();
  private readonly holds = new Map<string, { arrived(): void; released: Promise<void> }>();
  /** Activities that failed by injection, in order. */
  readonly injected: string[] = [];

  /** The next call of this activity fails (once, without retry). */
  inject(activity: string, when: FaultWhen): void {
    this.pending.set(activity, when);
  }

  /** The next call of this activity waits, before it acts, until the hold is released. */
  hold(activity: string): Hold {
    let arrived!: () => void;
    let release!: () => void;
    const started = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(activity, { arrived, released });
    return { started, release };
  }

  clear(): void {
    this.pending.clear();
    this.holds.clear();
    this.injected.length = 0;
  }

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      execute: async (input, next) => {
        const type = ctx.info.activityType;
        const hold = this.holds.get(type);
        if (hold) {
          this.holds.delete(type);
          hold.arrived();
          await Promise.race([hold.released, ctx.cancelled]);
        }
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
