// Operators' signals (approve, reject, override, confirm) taken in the order they arrived, each once an activity has
// read its sender from the workflow's history: a decision never rests on the payload's word.
import { uuid4, workflowInfo } from '@temporalio/workflow';
import { errorMessage } from '../common/error-message';
import type { OperatorIdentity, Relay } from '../common/operator-identity';
import type { OperatorIdentityActivities } from '../activities/operator-identity';
import { shortReads } from './activity-options';
import { changed } from './patches';

const identities = shortReads<OperatorIdentityActivities>();

export class OperatorSignals {
  private readonly received = new Map<string, number>();
  private turn: Promise<void> = Promise.resolve();

  /** `relayedBy`: the workflows whose signals carry a sender they authenticated (a runbook's incident, say). */
  constructor(private readonly relayedBy: () => string[] = () => []) {}

  /**
   * A handler for the signal named `signal`: `decide` gets the payload and its authenticated sender, after the signals
   * received before it were decided. A run recorded before senders were authenticated replays it without a sender
   * (its unchecked "by").
   */
  handler<S>(signal: string, decide: (payload: S, sender?: OperatorIdentity) => unknown): (payload: S) => Promise<void> {
    return (payload) => this.take(signal, payload, decide);
  }

  private take<S>(signal: string, payload: S, decide: (payload: S, sender?: OperatorIdentity) => unknown): Promise<void> {
    const nth = (this.received.get(signal) ?? 0) + 1;
    this.received.set(signal, nth);
    if (!changed('operatorsAuthenticated')) return Promise.resolve(decide(payload)).then(() => undefined);
    const { workflowId, runId } = workflowInfo();
    const sender = identities
      .authenticateSignal({ workflowId, runId, signal, nth, relayedBy: this.relayedBy() })
      .catch((err): OperatorIdentity => ({ groups: [], channel: 'temporal', evidence: `${signal} signal #${nth}`, problem: `its sender could not be read: ${errorMessage(err)}` }));
    const decided = this.turn.then(async () => void (await decide(payload, await sender)));
    this.turn = decided.catch(() => undefined);
    return decided;
  }
}

/** What a workflow adds to an operator's signal it passes on to run `to`: the sender it authenticated, and where. */
export function relayOf(sender: OperatorIdentity, to: Relay['to']): Relay {
  const { workflowId, runId } = workflowInfo();
  return { id: uuid4(), workflowId, runId, to, sender };
}
