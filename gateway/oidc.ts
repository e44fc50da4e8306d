// OIDC bearer tokens checked against the issuer's published keys (its discovery document names the JWKS): signature,
// issuer, audience and expiry. The approver is the configured claim (email by default), with the groups claim.
import type { JWTVerifyGetKey } from 'jose';
import { toMs } from '../common/duration';
import type { ApprovalsConfig } from '../config/approvals-schema';

type OidcConfig = NonNullable<ApprovalsConfig['oidc']>;

/** The token is not acceptable: the operator gets the reason (401). */
export class TokenRefused extends Error {}

export interface TokenIdentity {
  identity: string;
  groups: string[];
  /** The token's issuer, subject and expiry: what the audit records. */
  evidence: string;
}

const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/** A verifier for one issuer; its keys are read on first use and again when a token names a key not seen yet. */
export function oidcVerifier(oidc: OidcConfig): (token: string) => Promise<TokenIdentity> {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const issuerKeys = () =>
    (keys ??= discoverKeys(oidc.issuer).catch((err) => {
      keys = undefined; // read again next time
      throw err;
    }));

  return async (token) => {
    const jose = await import('jose');
    let unverified: Record<string, unknown>;
    try {
      unverified = jose.decodeJwt(token);
    } catch {
      throw new TokenRefused('the bearer token is not a JWT');
    }
    // Said first, for a clear message: a token from elsewhere would fail on its signature anyway.
    if (unverified.iss !== oidc.issuer) throw new TokenRefused(`the token was issued by ${String(unverified.iss)}, not ${oidc.issuer}`);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jose.jwtVerify(token, await issuerKeys(), {
        issuer: oidc.issuer,
        // The CLI's own client: `mend login`'s tokens carry its id.
        audience: [oidc.audience, ...(oidc.cliClientId ? [oidc.cliClientId] : [])],
        algorithms,
        clockTolerance: toMs(oidc.clockTolerance) / 1000,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      const refusal = refusalOf(err as Error & { code?: string; claim?: string }, unverified, oidc);
      if (refusal) throw new TokenRefused(refusal);
      throw err;
    }
    const identity = payload[oidc.identityClaim];
    if (typeof identity !== 'string' || !identity) throw new TokenRefused(`the token has no ${oidc.identityClaim} claim to name the approver`);
    if (oidc.identityClaim === 'email' && payload.email_verified === false) throw new TokenRefused(`the token's email ${identity} is not verified`);
    const groupsClaim = payload[oidc.groupsClaim];
    const groups = Array.isArray(groupsClaim) ? groupsClaim.filter((g): g is string => typeof g === 'string') : [];
    const exp = new Date(Number(payload.exp) * 1000).toISOString();
    return { identity, groups, evidence: `OIDC token from ${oidc.issuer}, subject ${String(payload.sub)}, expires ${exp}` };
  };
}

/** Why a token failed verification, for the operator; undefined when the failure is not the token's (keys unreadable). */
function refusalOf(err: Error & { code?: string; claim?: string }, claims: Record<string, unknown>, oidc: OidcConfig): string | undefined {
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return `the token expired at ${new Date(Number(claims.exp) * 1000).toISOString()}`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.claim === 'aud') return `the token is for ${JSON.stringify(claims.aud)}, not ${oidc.audience}`;
      return `the token's ${err.claim} claim is not acceptable: ${err.message}`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return "the token's signature does not verify against the issuer's keys";
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'the token is signed by a key the issuer does not publish';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return `the token is not acceptable: ${err.message}`;
    default:
      return undefined;
  }
}

async function discoverKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const { createRemoteJWKSet } = await import('jose');
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`the issuer's discovery document ${url} answered ${res.status}`);
  const { jwks_uri: jwksUri } = (await res.json()) as { jwks_uri?: string };
  if (!jwksUri) throw new Error(`${url} names no jwks_uri`);
  return createRemoteJWKSet(new URL(jwksUri));
}
