// Who signed an operator's signal, and whether the policy lets them decide (approvals, overrides, DR confirmations).

/** The signal's "by" field, trimmed; '' when it names nobody. */
export const signer = (signal: unknown): string => {
  const by = (signal as { by?: unknown } | undefined)?.by;
  return typeof by === 'string' ? by.trim() : '';
};

/** Why `by` may not decide under this allowlist; undefined when they may. */
export const approverRefusal = (by: string, approvers: readonly string[]): string | undefined =>
  !by ? 'the signal needs a "by" field naming the approver' : !approvers.includes(by) ? `${by} is not an allowed approver` : undefined;
