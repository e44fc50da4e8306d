// The DR checklist's HTTP check: GET a URL from the checklist file and expect a status (and optionally a text in the
// body). A wrong answer throws, so the activity's bounded retries wait for a service that is coming up. Not for
// runbooks: their calls go to named endpoints only (the core pack's httpCall).
import { toMs } from '../common/duration';
import type { Duration } from '../common/types';
import { nonRetryable } from './errors';

export interface HttpCheckInput {
  url: string;
  /** Default 200. */
  status?: number;
  /** A text the body must contain. */
  contains?: string;
  /** Per request, default 10s. */
  timeout?: Duration;
}

export function httpCheckActivities() {
  return {
    async httpCheck({ url, status = 200, contains, timeout = '10s' }: HttpCheckInput): Promise<{ url: string; status: number; ms: number }> {
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw nonRetryable(`httpCheck needs an http(s) url, got ${JSON.stringify(url)}`);
      const started = Date.now();
      const response = await fetch(url, { signal: AbortSignal.timeout(toMs(timeout)), redirect: 'follow' });
      const body = await response.text();
      const ms = Date.now() - started;
      if (response.status !== status) throw new Error(`${url} answered ${response.status}, expected ${status}`);
      if (contains !== undefined && !body.includes(contains)) throw new Error(`${url} answered without "${contains}"`);
      return { url, status: response.status, ms };
    },
  };
}
