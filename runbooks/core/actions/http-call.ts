// Calls a named endpoint from config: the URL is its base plus a path that must stay under it, so no alert label can
// send mend elsewhere. The answer's status is checked; an excerpt of the body is kept with secrets redacted.
import { nonRetryable, type DiagnoseInput, type Diagnosis } from 'mend';
import type { CoreConfig } from '../config';
import { fetchEndpoint, urlUnder } from './endpoint-fetch';
import { redactedExcerpt } from './redact';

export interface HttpCallInput {
  endpoint: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under the endpoint's base URL, e.g. "/admin/pool/reset". */
  path?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Statuses that count as success (default: any 2xx); 'any' returns every answer, e.g. to read a health check. */
  expect?: number[] | 'any';
  dryRun?: boolean;
}

export interface HttpCallResult {
  endpoint: string;
  method: string;
  path: string;
  status?: number;
  ms?: number;
  /** The first 500 characters of the body, secrets redacted. */
  excerpt?: string;
  planned?: boolean;
}

const excerptLength = 500;

export function httpCallActivities(config: CoreConfig) {
  const call = async (input: HttpCallInput): Promise<HttpCallResult> => {
    const { endpoint, method = 'GET', path = '/', body, expect } = input;
    const target = config.http[endpoint];
    if (!target) throw nonRetryable(`no HTTP endpoint "${endpoint}" under core.http (known: ${Object.keys(config.http).join(', ') || 'none'})`);
    urlUnder(target, path); // a path that leaves the endpoint is refused in dry-run too
    if (input.dryRun) return { endpoint, method, path, planned: true };
    const started = Date.now();
    const json = body === undefined ? undefined : { text: JSON.stringify(body), type: 'application/json' };
    const { response, token } = await fetchEndpoint(target, { method, path, body: json });
    const excerpt = redactedExcerpt(await response.text(), excerptLength, [token]);
    const result = { endpoint, method, path, status: response.status, ms: Date.now() - started, excerpt };
    const ok = expect === 'any' || (expect ? expect.includes(response.status) : response.status >= 200 && response.status < 300);
    if (ok) return result;
    const why = `${method} ${endpoint}${path} answered ${response.status}: ${excerpt.slice(0, 200)}`;
    // A 4xx will not change on a retry; a 5xx may (the service is coming up).
    throw response.status >= 400 && response.status < 500 ? nonRetryable(why, result) : new Error(why);
  };
  return {
    httpCall: call,
    /** What an incident on an http/<endpoint> target knows first: how its base URL answers. */
    async httpDiagnose({ name }: DiagnoseInput): Promise<Diagnosis> {
      try {
        const answer = await call({ endpoint: name, expect: 'any' });
        return { summary: `http/${name}: answers ${answer.status} in ${answer.ms} ms`, facts: { ...answer } };
      } catch (err) {
        return { summary: `http/${name}: does not answer: ${(err as Error).message}`, facts: { error: (err as Error).message } };
      }
    },
  };
}
