// Kubernetes API errors as activity failures: what a retry cannot fix stops at once, with the server's message.
import { nonRetryable } from 'mend';
import type { ApiException } from '@kubernetes/client-node';
import { loadedKubeClient } from './clusters';

const isApiException = (err: unknown): err is ApiException<unknown> => {
  const k = loadedKubeClient();
  return !!k && err instanceof k.ApiException;
};

export const httpStatus = (err: unknown): number | undefined => (isApiException(err) ? err.code : undefined);

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;

/** The Status message the API server sent, else the error's own. */
export function apiMessage(err: unknown): string {
  if (isApiException(err)) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const text = (body as { message?: unknown } | undefined)?.message;
    return `${err.code} ${typeof text === 'string' ? text : String(err.body ?? err.message)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

const permanent = new Set([400, 401, 403, 405, 415, 422]);

/** Rethrows with what was being done; forbidden, invalid and unauthorized requests are not retried. */
export function kubeFailure(doing: string, err: unknown): never {
  const status = httpStatus(err);
  if (status !== undefined && permanent.has(status)) throw nonRetryable(`${doing}: ${apiMessage(err)}`);
  throw new Error(`${doing}: ${apiMessage(err)}`, { cause: err });
}

/** Runs a call, turning its failure into a described one. */
export async function kube<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    kubeFailure(doing, err);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
