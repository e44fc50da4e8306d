// Who sent an operator's signal, read from the workflow's history (never from the workflow's copy of the payload):
// the gateway's attestation (an OIDC token or a signed chat interaction it checked), the identity a signed-in
// Temporal UI user's signal carries, or the sender a relaying mend workflow authenticated.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { tsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { canonicalJson, verifyAttestation } from '../common/attestation';
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
  const identify = (event: HistoryEvent, payload: unknown, identity: string, to: { workflowId: string; runId: string; signal: string }): OperatorIdentity => {
    const at = tsToDate(event.eventTime!);
    const evidence = `history event ${event.eventId} (${to.signal}, ${at.toISOString()}), Temporal identity "${identity}"`;
    const unproven = (problem: string): OperatorIdentity => ({ groups: [], channel: 'temporal', evidence, problem });
    let problem: string | undefined;
    if (payload && typeof payload === 'object' && 'attestation' in payload) {
      const proven = key ? verifyAttestation(key, payload, { ...to, at }, maxAgeMs) : `the worker's ${approvals.keyEnv} is not set: no attestation can be checked`;
      if (typeof proven !== 'string') return proven;
      problem = proven;
    }
    // A bad attestation hides nothing: the signed-in UI user who sent it still counts (and a "by" must match them).
    const ui = webUiIdentity.exec(identity);
    if (ui && approvals.temporalUi) return { identity: ui[1], groups: [], channel: 'temporal-ui', evidence };
    if (problem) return unproven(problem);
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
      const copy = receivedBefore(history, event, payload);
      if (relay || copy) {
        const problem = copy ?? (await relayProblem(client, received, relay!));
        if (!problem) return relay!.sender;
        return { groups: [], channel: 'temporal', evidence: `history event ${event.eventId} (${received.signal})`, problem };
      }
      return identify(event, payload, event.workflowExecutionSignaledEventAttributes!.identity ?? '', received);
    },

    /** Who started this run (an incident started by hand): its first event's Temporal identity, or its input's attestation. */
    async authenticateStart({ workflowId, runId }: { workflowId: string; runId: string }): Promise<OperatorIdentity> {
      const [started] = await eventsOf(client, workflowId, runId);
      const attrs = started.workflowExecutionStartedEventAttributes!;
      const input = attrs.input?.payloads?.[0];
      return identify(started, input && defaultPayloadConverter.fromPayload(input), attrs.identity ?? '', { workflowId, runId, signal: 'start' });
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

/** Why this signal is a copy of one this run received before (the same relay, or the same attestation); else undefined. */
function receivedBefore(history: HistoryEvent[], event: HistoryEvent, payload: SignalPayload | undefined): string | undefined {
  const relay = payload?.relay?.id;
  const mac = payload?.attestation?.mac;
  if (!relay && !mac) return undefined;
  const earlier = history.find((e) => {
    if (Number(e.eventId) >= Number(event.eventId)) return false;
    const p = signalPayload(e);
    return (relay && p?.relay?.id === relay) || (mac && p?.attestation?.mac === mac);
  });
  return earlier && `a copy of the signal of history event ${earlier.eventId}: each is taken once`;
}

/**
 * Why a relayed signal's sender cannot be taken: the relayer may not relay here, the relay is for another run, or the
 * relayer's history holds no "signal sent" event here carrying this very relay (sender included).
 */
async function relayProblem(client: Client, received: ReceivedSignal, relay: Relay): Promise<string | undefined> {
  if (!received.relayedBy.includes(relay.workflowId)) return `relayed by ${relay.workflowId}, which may not relay operators' signals here`;
  if (relay.to?.workflowId !== received.workflowId || relay.to.runId !== received.runId) return `relay ${relay.id} is for another run (${relay.to?.runId})`;
  const sent = canonicalJson(relay);
  const found = (await eventsOf(client, relay.workflowId, relay.runId)).some((e) => {
    const attrs = e.signalExternalWorkflowExecutionInitiatedEventAttributes;
    const input = attrs?.input?.payloads?.[0];
    return (
      attrs?.workflowExecution?.workflowId === received.workflowId &&
      attrs.signalName === received.signal &&
      !!input &&
      canonicalJson(defaultPayloadConverter.fromPayload<Relayed | undefined>(input)?.relay) === sent
    );
  });
  return found ? undefined : `${relay.workflowId} (run ${relay.runId}) sent no such ${received.signal} signal here (relay ${relay.id})`;
}

type SignalPayload = Relayed & { attestation?: { mac?: unknown } };

function signalPayload(event: HistoryEvent): SignalPayload | undefined {
  const input = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
  return input ? defaultPayloadConverter.fromPayload(input) : undefined;
}
