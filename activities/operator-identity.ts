// Who sent an operator's signal, read from the workflow's history (never from the workflow's copy of the payload):
// the gateway's attestation (an OIDC token or a signed chat interaction it checked), the identity a signed-in
// Temporal UI user's signal carries, or the sender a relaying mend workflow authenticated.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { verifyAttestation } from '../common/attestation';
import { toMs } from '../common/duration';
import type { OperatorIdentity, ReceivedSignal, Relay, Relayed } from '../common/operator-identity';
import type { ApprovalsConfig } from '../config/approvals-schema';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The identity the Temporal UI gives a signed-in user's requests: "<email> - webui". */
const webUiIdentity = /^(\S+@\S+) - webui$/;

export type OperatorIdentityActivities = ReturnType<typeof operatorIdentityActivities>;

export function operatorIdentityActivities(approvals: ApprovalsConfig, client: Client, env: NodeJS.ProcessEnv = process.env) {
  const keyText = env[approvals.keyEnv];
  const key = keyText ? Buffer.from(keyText) : undefined;
  const maxAgeMs = toMs(approvals.maxAge);

  /** Who the event's payload or Temporal identity proves sent it (`to`: the workflow and the signal, or "start"). */
  const identify = (event: HistoryEvent, payload: unknown, identity: string, to: { workflowId: string; signal: string }): OperatorIdentity => {
    const at = eventTime(event);
    const evidence = `history event ${event.eventId} (${to.signal}, ${at.toISOString()}), Temporal identity "${identity}"`;
    const unproven = (problem: string): OperatorIdentity => ({ groups: [], channel: 'temporal', evidence, problem });
    if (payload && typeof payload === 'object' && 'attestation' in payload) {
      if (!key) return unproven(`an attestation cannot be checked: the worker's ${approvals.keyEnv} is not set`);
      const proven = verifyAttestation(key, payload, { ...to, at }, maxAgeMs);
      return typeof proven === 'string' ? unproven(proven) : proven;
    }
    const ui = webUiIdentity.exec(identity);
    if (ui && approvals.temporalUi) return { identity: ui[1], groups: [], channel: 'temporal-ui', evidence };
    return unproven(
      ui
        ? 'identities from the Temporal UI are not trusted here (approvals.temporalUi is false)'
        : 'a Temporal client names itself: its identity proves no one (use the signed-in Temporal UI, the mend CLI or chat)',
    );
  };

  return {
    /** Who sent the `nth` signal named `signal` that this run received, as the history shows it. */
    async authenticateSignal(received: ReceivedSignal): Promise<OperatorIdentity> {
      const history = await eventsOf(client, received.workflowId, received.runId);
      const event = findSignal(history, received);
      const payload = signalPayload(event);
      const relay = payload?.relay;
      if (relay) {
        const problem = await relayProblem(client, received, relay, history, event);
        if (!problem) return relay.sender;
        return { groups: [], channel: 'temporal', evidence: `history event ${event.eventId} (${received.signal})`, problem };
      }
      return identify(event, payload, event.workflowExecutionSignaledEventAttributes!.identity ?? '', received);
    },

    /** Who started this run (an incident started by hand): its first event's Temporal identity, or its input's attestation. */
    async authenticateStart({ workflowId, runId }: { workflowId: string; runId: string }): Promise<OperatorIdentity> {
      const [started] = await eventsOf(client, workflowId, runId);
      const attrs = started.workflowExecutionStartedEventAttributes!;
      const input = attrs.input?.payloads?.[0];
      return identify(started, input && defaultPayloadConverter.fromPayload(input), attrs.identity ?? '', { workflowId, signal: 'start' });
    },
  };
}

const eventsOf = async (client: Client, workflowId: string, runId: string): Promise<HistoryEvent[]> =>
  (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];

/** The history event of the `nth` signal named `signal` (it was delivered, so it is there). */
function findSignal(events: HistoryEvent[], { workflowId, runId, signal, nth }: ReceivedSignal): HistoryEvent {
  let seen = 0;
  for (const event of events) {
    if (event.workflowExecutionSignaledEventAttributes?.signalName === signal && ++seen === nth) return event;
  }
  throw new Error(`${workflowId} (run ${runId}) has ${seen} "${signal}" signal(s) in its history, not ${nth}`);
}

/**
 * Why a relayed signal's sender cannot be taken: the relayer may not relay here, its history holds no such signal
 * sent here, or this relay was received before (a copy).
 */
async function relayProblem(client: Client, received: ReceivedSignal, relay: Relay, history: HistoryEvent[], event: HistoryEvent): Promise<string | undefined> {
  if (!received.relayedBy.includes(relay.workflowId)) return `relayed by ${relay.workflowId}, which may not relay operators' signals here`;
  const earlier = history.filter((e) => Number(e.eventId) < Number(event.eventId) && signalPayload(e)?.relay?.id === relay.id);
  if (earlier.length > 0) return `relay ${relay.id} was received before (event ${earlier[0].eventId}): this is a copy`;
  const sent = (await eventsOf(client, relay.workflowId, relay.runId)).some((e) => {
    const attrs = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    const input = attrs?.input?.payloads?.[0];
    return (
      attrs?.workflowExecution?.workflowId === received.workflowId &&
      attrs.signalName === received.signal &&
      !!input &&
      defaultPayloadConverter.fromPayload<Relayed | undefined>(input)?.relay?.id === relay.id
    );
  });
  return sent ? undefined : `${relay.workflowId} (run ${relay.runId}) sent no ${received.signal} signal here with relay ${relay.id}`;
}

function signalPayload(event: HistoryEvent): (Relayed & { attestation?: unknown }) | undefined {
  const input = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
  return input ? defaultPayloadConverter.fromPayload(input) : undefined;
}

function eventTime(event: HistoryEvent): Date {
  const { seconds, nanos } = event.eventTime ?? {};
  return new Date(Number(seconds ?? 0) * 1000 + Math.floor((nanos ?? 0) / 1e6));
}
