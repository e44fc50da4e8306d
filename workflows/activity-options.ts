// How workflows call activities: under the safety policy's timeout and bounded retries, or as a long wait.
import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import { toMs } from '../common/duration';
import type { Duration, SafetyPolicy } from '../common/types';

type Timeouts = Pick<ActivityOptions, 'startToCloseTimeout' | 'heartbeatTimeout'>;

export interface LongActivity {
  /** The longest the activity may work; it gets a minute more to report. It must heartbeat. */
  waitsUpTo: Duration;
  /** How soon a silent activity counts as lost (its worker died) and is retried elsewhere; over 5 s (`heartbeating`'s tick). */
  heartbeat?: Duration;
}

/** The policy's activity timeout and retries; an error marked NonRetryable ends the activity at once. */
export function policyActivityOptions(policy: Pick<SafetyPolicy, 'retry' | 'activityTimeout'>, timeouts: Timeouts = {}): ActivityOptions {
  return {
    startToCloseTimeout: policy.activityTimeout,
    ...timeouts,
    retry: { ...policy.retry, nonRetryableErrorTypes: ['NonRetryable'] },
  };
}

export const longActivityTimeouts = ({ waitsUpTo, heartbeat = '30s' }: LongActivity): Timeouts => ({
  startToCloseTimeout: toMs(waitsUpTo) + 60_000,
  heartbeatTimeout: heartbeat,
});

/** Stubs of short reads (settings, a diagnosis, who sent a signal), with the options every one uses. */
export const shortReads = <A>() => proxyActivities<A>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });
