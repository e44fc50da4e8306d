// One incident per key: diagnose, climb the runbook ladder under the target guard, stop at the first verified
// recovery, escalate to people otherwise, and end with a recovery record and its MTTR. An incident opened by an
// alert follows its notifications, tells its runbook when the alert resolves, and stays open until it does.
import { errorMessage } from '../common/error-message';
import { failedDiagnosis } from '../common/diagnosis';
import { allHandlersFinished, condition, isCancellation, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { MendActivities } from '../activities';
import { policyActivityOptions } from './activity-options';
import { bootstrap } from './bootstrap';
import { runbookKey, severityKey, statusKey, targetKey } from '../common/search-attributes';
import type { IncidentInput, RecoveryRecord } from '../common/types';
import type { OperatorIdentity } from '../common/operator-identity';
import type { OpeningInput } from '../activities/incident-opening';
import { renderIncidentReport } from '../common/incident-report';
import { ladderFrom } from './catalog';
import { AlertBook } from './alert-book';
import { incidentReportQuery, incidentStatusQuery } from './definitions';
import { GuardTurns } from './incident-guard-turns';
import { chooseByFacts, climb, openingRunbook } from './incident-ladder';
import { IncidentNotices } from './incident-notices';
import { IncidentOutcome } from './incident-outcome';
import { RunbookRelay } from './incident-relay';
import { IncidentState } from './incident-state';
import { recordOutcomes, skipFailingRungs } from './incident-learning';
import { signatureOf } from './learning';
import { changed } from './patches';

export async function incident(input: IncidentInput): Promise<RecoveryRecord> {
  const incidentId = workflowInfo().workflowId;
  const detectedAt = new Date(workflowInfo().startTime).toISOString();
  const alerts = input.alert ? new AlertBook(input.alert.key) : undefined;
  const state = new IncidentState(incidentId, alerts);

  setHandler(incidentStatusQuery, state.view, { description: 'Status, timeline, ladder and the running runbook' });
  const relay = new RunbookRelay(state, alerts);
  const { timeline, attempts } = state;
  setHandler(
    incidentReportQuery,
    () =>
      renderIncidentReport(state.record ?? { incidentId, target: state.target, severity: input.severity, status: state.status, attempts, timeline }, {
        opened: input,
        running: relay.child?.workflowId,
      }),
    { description: 'The post-incident report in Markdown: timeline, actions, approvals, evidence, compensations, MTTR' },
  );

  timeline.push({ at: input.faultStartedAt ?? detectedAt, event: 'fault started' });
  timeline.push({ at: detectedAt, event: 'detected', detail: input.summary ?? input.runbook });

  const { first, parsed } = openingRunbook(input);
  state.target = first.target(parsed);
  state.ladder = ladderFrom(input.runbook);
  // Settings, diagnosis and the outcome book's tallies for the ladder in one activity with the first workflow task
  // (recorded before: settings and diagnosis as two activities, the book read later).
  state.setStatus('diagnosing');
  const faultStartedAt = input.faultStartedAt ?? detectedAt;
  // Who started it is read from its history (whatever its input says), unless a workflow did (a DR run).
  const { workflowId, runId, parent } = workflowInfo();
  const starter = !parent && changed('operatorsAuthenticated') ? { workflowId, runId } : undefined;
  const outcomes = { signature: signatureOf(alerts?.view(), input.runbook, state.target), runbooks: state.ladder };
  const { settings, diagnosis, book, started } = changed('incidentOpensInOneCall')
    ? openInOneCall({ target: state.target, faultStartedAt, outcomes, starter })
    : {
        settings: bootstrap.incidentSettings(),
        diagnosis: bootstrap.diagnose({ target: state.target, faultStartedAt }).catch(failedDiagnosis),
        book: undefined,
        started: undefined,
      };
  const { policy, searchAttributes, notifications, learning } = await settings;
  // A dry-run notifies nobody.
  const about = () => ({ incidentId, severity: input.severity, target: state.target });
  const notices = new IncidentNotices(input.dryRun ? undefined : notifications, about, state.view, detectedAt);
  if (searchAttributes) state.tag = upsertSearchAttributes;
  state.tag([
    { key: runbookKey, value: input.runbook },
    { key: targetKey, value: state.target },
    { key: severityKey, value: input.severity },
    { key: statusKey, value: state.status },
  ]);
  noteRequester(state, await started, !!input.alert);
  const { summary, facts } = await diagnosis;
  state.mark('diagnosed', summary);
  const params = chooseByFacts(state, input, first, parsed, facts);
  const learns = !input.dryRun && changed('learnFromOutcomes');
  const signature = signatureOf(alerts?.view(), input.runbook, state.target);
  if (learns) await skipFailingRungs(state, signature, learning, params, await book);
  notices.opened(state.rungs()[0], state.rungs(), summary);
  const acts = proxyActivities<MendActivities>(policyActivityOptions(policy));
  const outcome = new IncidentOutcome(state, notices, acts, input.severity);
  const turns = new GuardTurns(state, acts, policy);

  let record: RecoveryRecord;
  try {
    record = await climb({ input, params, policy, searchAttributes, notifications, alerts, state, relay, turns, notices, outcome });
  } catch (err) {
    if (!isCancellation(err)) {
      notices.crashed(`the incident failed before its outcome: ${errorMessage(err)}`);
      await notices.flush();
    }
    throw err;
  }
  if (learns) await recordOutcomes(state, signature, record);
  if (alerts) {
    // Repeats of the alert land here instead of opening a second incident, until it resolves (it may have already).
    const holdOpen = input.alert!.holdOpen;
    let resolved = !alerts.firing;
    if (!resolved) {
      state.setStatus(state.status, `the alert to resolve (open for up to ${holdOpen})`);
      resolved = await condition(() => !alerts.firing, holdOpen);
      state.waitingFor = undefined;
    }
    state.mark('closed', resolved ? 'the alert resolved' : `the alert still fired after ${holdOpen}; its next notification opens a new incident`);
  }
  await condition(allHandlersFinished); // a decision being authenticated is passed on or recorded
  await notices.flush(); // nothing sent is cut off
  return record;
}

/** Who started the incident, if authentication says: its requester, who may not approve it. */
function noteRequester(state: IncidentState, starter: OperatorIdentity | undefined, byAlert: boolean): void {
  if (starter?.identity) {
    state.requester = starter.identity;
    state.mark('requested', `by ${starter.identity} (${starter.channel}: ${starter.evidence})`);
  } else if (starter && !byAlert) state.mark('requested', `by hand; not authenticated: ${starter.problem}`);
}

/** The opening activity's answer, as the parts the incident awaits in turn; only the settings fail the incident. */
function openInOneCall(input: OpeningInput) {
  const opening = bootstrap.openIncident(input);
  return {
    settings: opening.then((o) => o.settings),
    diagnosis: opening.then((o) => o.diagnosis, failedDiagnosis),
    book: opening.then(
      (o) => o.book && { ...input.outcomes, ...o.book },
      () => undefined,
    ),
    started: opening.then(
      (o) => o.starter,
      () => undefined,
    ),
  };
}
