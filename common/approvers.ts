// Who may decide (approvals, overrides, DR confirmations): the sender as authentication proves it, checked against
// the policy's approvers (users, or `group:<name>` for a group in the sender's claims). Pure: workflows use it.
import type { OperatorIdentity } from './operator-identity';

/** The signal's "by" field, trimmed; '' when it names nobody. Only ever a claim, checked against the sender. */
export const signer = (signal: unknown): string => {
  const by = (signal as { by?: unknown } | undefined)?.by;
  return typeof by === 'string' ? by.trim() : '';
};

/** Whether an approvers' list admits this identity: by name, or by one of its groups (`group:<name>`). */
export const isApprover = (identity: string, groups: readonly string[], approvers: readonly string[]): boolean =>
  approvers.includes(identity) || groups.some((g) => approvers.includes(`group:${g}`));

/** The name a decision is recorded under: the authenticated identity, or what is known of an unauthenticated sender. */
export const recordedSender = (sender: OperatorIdentity, claimed: string): string => sender.identity ?? `unauthenticated${claimed ? ` (claims ${claimed})` : ''}`;

/**
 * Why this sender may not decide; undefined when they may. The identity counted is the authenticated one: a "by"
 * that names someone else is refused. `requester` (who started the incident by hand) never approves it.
 */
export function deciderRefusal(sender: OperatorIdentity, claimed: string, approvers: readonly string[], requester?: string, decision = 'approve'): string | undefined {
  const { identity } = sender;
  if (!identity) return `not authenticated: ${sender.problem ?? 'no verifiable identity'} (${sender.evidence})`;
  if (claimed && claimed !== identity) return `"by" says ${claimed} but the sender authenticated as ${identity}`;
  if (identity.startsWith('group:') || !isApprover(identity, sender.groups, approvers)) return `${identity} is not an allowed approver`;
  // The requester may still stand their own incident down.
  if (requester === identity && decision === 'approve') return `${identity} started this incident by hand and may not approve it (separation of duties)`;
  return undefined;
}

/** Why the unchecked "by" of a signal recorded before authentication may not decide (replays of those runs only). */
export const legacyRefusal = (by: string, approvers: readonly string[]): string | undefined =>
  !by ? 'the signal needs a "by" field naming the approver' : !approvers.includes(by) ? `${by} is not an allowed approver` : undefined;
