// One request to a named endpoint of the core pack's config: a path that must stay under its base URL, its bearer
// token, its timeout, and no redirect followed (one could leave the endpoint, token and all).
import { nonRetryable, toMs } from 'mend';
import type { HttpEndpoint } from '../config';

export interface EndpointRequest {
  method: string;
  path: string;
  /** Sent as given, with its content type. */
  body?: { text: string | URLSearchParams; type: string };
}

export async function fetchEndpoint(target: HttpEndpoint, request: EndpointRequest): Promise<{ response: Response; token?: string }> {
  const url = urlUnder(target, request.path);
  const token = target.tokenEnv ? process.env[target.tokenEnv] : undefined;
  const response = await fetch(url, {
    method: request.method,
    redirect: 'manual',
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(request.body && { 'content-type': request.body.type }) },
    body: request.body?.text,
    signal: AbortSignal.timeout(toMs(target.timeout)),
  });
  return { response, token };
}

/**
 * The URL of `path` under the endpoint's base; a path that would leave it is refused: another host, `..` (plain or
 * encoded), a backslash, `;` (some servers read `..;` as a step up) or an encoded slash.
 */
export function urlUnder(target: HttpEndpoint, path: string): URL {
  const base = new URL(target.url);
  if (!path.startsWith('/') || path.startsWith('//') || /[\\\s;]|%2f|%5c|%2e/i.test(path)) {
    throw nonRetryable(`path ${JSON.stringify(path)} is refused: it must start with one "/" and hold no "\\", ";", spaces or encoded "/", "\\", "."`);
  }
  const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
  const under = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  if (url.origin !== base.origin || !(`${url.pathname}/`.startsWith(under) || url.pathname === base.pathname)) {
    throw nonRetryable(`path ${JSON.stringify(path)} leaves the endpoint's base URL`);
  }
  return url;
}
