// The gateway's signed word that it authenticated an operator (an OIDC token, a signed chat interaction): an
// HMAC-SHA256, under a key the gateway and the worker share, over the signal it sends, the workflow it goes to and
// who sent it. The worker checks it against the history event, so neither a payload field nor a client's chosen
// Temporal identity can stand in for it.
import { createHmac } from 'node:crypto';
import type { DecisionChannel, OperatorIdentity } from './operator-identity';
import { sameSecret } from './same-secret';

export interface Attestation {
  workflowId: string;
  /** The run it is for (a signal); absent for a start, whose run does not exist yet. */
  runId?: string;
  signal: string;
  identity: string;
  groups: string[];
  channel: DecisionChannel;
  evidence: string;
  issuedAt: string;
  mac: string;
}

type Claims = Omit<Attestation, 'mac' | 'issuedAt'>;

/** The payload with the gateway's attestation that `claims.identity` sent it to `claims.workflowId`. */
export function attest<P extends object>(key: Buffer, payload: P, claims: Claims, now = new Date()): P & { attestation: Attestation } {
  const unsigned = { ...claims, issuedAt: now.toISOString() };
  return { ...payload, attestation: { ...unsigned, mac: mac(key, payload, unsigned) } };
}

/**
 * The identity a payload's attestation proves, or why it proves none: the MAC must match (nothing in the payload or
 * the claims changed), name this workflow, run and signal, and be issued within `maxAgeMs` of when Temporal recorded
 * the signal. (The caller refuses a copy of one received before.)
 */
export function verifyAttestation(key: Buffer, payload: unknown, to: { workflowId: string; runId: string; signal: string; at: Date }, maxAgeMs: number): OperatorIdentity | string {
  const { attestation, ...rest } = (payload ?? {}) as { attestation?: Partial<Attestation> };
  if (!attestation || typeof attestation !== 'object') return 'no attestation';
  const { mac: given, ...unsigned } = attestation;
  if (typeof given !== 'string' || !sameSecret(Buffer.from(given), Buffer.from(mac(key, rest, unsigned)))) return 'the attestation is not signed with the gateway key';
  const run = to.signal === 'start' ? undefined : to.runId;
  if (unsigned.workflowId !== to.workflowId || unsigned.signal !== to.signal || unsigned.runId !== run) {
    return `the attestation is for signal ${unsigned.signal} to ${unsigned.workflowId} (run ${unsigned.runId ?? 'none'})`;
  }
  const age = to.at.getTime() - Date.parse(String(unsigned.issuedAt));
  if (!(age <= maxAgeMs && age >= -maxAgeMs)) return `the attestation was issued at ${unsigned.issuedAt}, too far from the signal (${to.at.toISOString()})`;
  const { identity, groups, channel, evidence } = unsigned as Attestation;
  return { identity, groups, channel, evidence };
}

function mac(key: Buffer, payload: unknown, claims: unknown): string {
  return createHmac('sha256', key)
    .update(canonicalJson([claims, payload]))
    .digest('base64url');
}

/** JSON with object keys sorted, so the signer and the verifier hash the same text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
