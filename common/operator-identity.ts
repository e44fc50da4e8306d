// Who sent an operator's signal (approve, reject, override, confirm), as authentication proves it, never a payload.

/** How a decision reached mend. */
export const decisionChannels = ['temporal-ui', 'http', 'cli', 'chat', 'temporal'] as const;
export type DecisionChannel = (typeof decisionChannels)[number];

export interface OperatorIdentity {
  /** The authenticated identity (the token's email or subject, the UI user's email, the chat user's mapped name). */
  identity?: string;
  /** Groups from the token's claims. */
  groups: string[];
  channel: DecisionChannel;
  /** What proves it: the token's issuer and subject, the chat user, or the history event and the identity it holds. */
  evidence: string;
  /** Why no identity was established (set when `identity` is not). */
  problem?: string;
}

/** One signal a workflow received: its name and place among the signals of that name this run received (1-based). */
export interface ReceivedSignal {
  workflowId: string;
  runId: string;
  signal: string;
  nth: number;
  /** Workflows that may relay an operator's signal here with the sender they authenticated (a runbook's incident, say). */
  relayedBy: string[];
}

/**
 * A signal a mend workflow passes on, with the sender it authenticated. The receiver's activity finds the relayer's
 * "signal sent" event carrying this id in the relayer's history, and takes an id only once.
 */
export interface Relay {
  id: string;
  /** The relaying workflow's run, whose history holds the "signal sent" event. */
  workflowId: string;
  runId: string;
  /** The run it is for: a copy sent to another run of the same workflow id is refused. */
  to: { workflowId: string; runId: string };
  sender: OperatorIdentity;
}

export interface Relayed {
  relay?: Relay;
}
