// PromQL against a configured Prometheus: the series an instant query returns now, or whether a query stayed empty
// over a window (e.g. "the alert's own expression returns nothing for 30s"), as Prometheus itself evaluates it.
import { nonRetryable, toMs, type Duration } from 'mend';
import type { CoreConfig } from '../config';
import { fetchEndpoint } from './endpoint-fetch';

export interface PromQueryInput {
  prometheus?: string;
  query: string;
  /** Also require the query to have returned nothing at every step of this window before now. */
  quietFor?: Duration;
}

export interface PromQueryResult {
  prometheus: string;
  query: string;
  /** Series returned now (or, with quietFor, that had a sample in the window). */
  series: number;
  /** Up to five of them: labels and latest value. */
  sample: { labels: Record<string, string>; value: string }[];
  /** Prometheus's evaluation time (ISO). */
  at: string;
}

interface ApiAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] };
}

export function prometheusActivities(config: CoreConfig) {
  return {
    async promQuery({ prometheus = 'default', query, quietFor }: PromQueryInput): Promise<PromQueryResult> {
      const server = config.prometheus[prometheus];
      if (!server) throw nonRetryable(`no Prometheus "${prometheus}" under core.prometheus (known: ${Object.keys(config.prometheus).join(', ') || 'none'})`);
      const now = Date.now() / 1000;
      const params = new URLSearchParams({ query });
      if (quietFor !== undefined) {
        const window = toMs(quietFor) / 1000;
        params.set('start', String(now - window));
        params.set('end', String(now));
        params.set('step', String(Math.max(1, window / 120)));
      } else params.set('time', String(now));
      const path = quietFor === undefined ? '/api/v1/query' : '/api/v1/query_range';
      const { response } = await fetchEndpoint(server, { method: 'POST', path, body: { text: params, type: 'application/x-www-form-urlencoded' } });
      const answer = (await response.json().catch(() => ({ status: 'error', error: `HTTP ${response.status}` }))) as ApiAnswer;
      if (answer.status !== 'success' || !answer.data) {
        const why = `Prometheus ${prometheus} refused ${JSON.stringify(query)}: ${answer.error ?? response.status}`;
        throw response.status === 400 || response.status === 422 ? nonRetryable(why) : new Error(why);
      }
      const result = answer.data.result;
      const latest = (r: (typeof result)[number]) => r.value?.[1] ?? r.values?.at(-1)?.[1] ?? '';
      return {
        prometheus,
        query,
        series: result.length,
        sample: result.slice(0, 5).map((r) => ({ labels: r.metric, value: latest(r) })),
        at: new Date(now * 1000).toISOString(),
      };
    },
  };
}
