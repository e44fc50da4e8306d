// The operator's OIDC token for decisions sent through the gateway: `mend login` gets one with the device flow and
// keeps it in a file only its owner reads; MEND_TOKEN_FILE names another file (a token minted elsewhere).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { UsageError } from '../client/usage-error';
import type { Session } from './session';

export const tokenFile = (env: NodeJS.ProcessEnv = process.env) => env.MEND_TOKEN_FILE || join(homedir(), '.config', 'mend', 'token');

/** The token to send; bad input when there is none. */
export function readToken(env: NodeJS.ProcessEnv = process.env): string {
  const file = tokenFile(env);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new UsageError(`no token in ${file}: sign in with \`mend login\` (or set MEND_TOKEN_FILE)`);
  }
  if (!token) throw new UsageError(`${file} is empty: sign in with \`mend login\``);
  return token;
}

/** A token's claims, unverified: only to tell the operator who they signed in as (the gateway verifies it). */
export function peekClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  interval?: number;
  expires_in: number;
}

/** `mend login`: the OAuth device flow against the configured issuer; the ID token is kept in the token file. */
export async function login(session: Session, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const oidc = session.config.approvals.oidc;
  if (!oidc) throw new UsageError('approvals.oidc is not configured: there is no issuer to sign in with');
  const clientId = oidc.cliClientId ?? oidc.audience;
  const discovery = (await getJson(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)) as Record<string, string>;
  if (!discovery.device_authorization_endpoint) throw new Error(`${oidc.issuer} offers no device flow (no device_authorization_endpoint)`);
  const code = (await postForm(discovery.device_authorization_endpoint, { client_id: clientId, scope: 'openid email profile groups' })).body as unknown as DeviceCode;
  session.out(`Open ${code.verification_uri_complete ?? code.verification_uri} and sign in (code ${code.user_code}). Waiting...`);
  let interval = (code.interval ?? 5) * 1000;
  const deadline = Date.now() + code.expires_in * 1000;
  while (Date.now() < deadline) {
    await delay(interval);
    const { status, body } = await postForm(discovery.token_endpoint, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: code.device_code,
      client_id: clientId,
    });
    if (status === 200 && typeof body.id_token === 'string') return save(session, body.id_token, env);
    if (body.error === 'slow_down') interval += 5000;
    else if (body.error !== 'authorization_pending') throw new Error(`sign-in failed: ${String(body.error_description ?? body.error ?? status)}`);
  }
  throw new Error('sign-in timed out: run `mend login` again');
}

function save(session: Session, token: string, env: NodeJS.ProcessEnv): void {
  const file = tokenFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  const claims = peekClaims(token);
  const until = typeof claims.exp === 'number' ? ` until ${new Date(claims.exp * 1000).toISOString()}` : '';
  session.out(`signed in as ${String(claims.email ?? claims.sub)}${until} (token in ${file})`);
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}
