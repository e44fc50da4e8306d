// An incident's first call: its settings, the diagnosis of its target, what the outcome book holds for its ladder
// and who started it, in one activity (one round trip through Temporal instead of four). A diagnosis that fails or takes too
// long, and a book that does not answer in time, are reported, not thrown: the incident goes on without them.
import { failedDiagnosis } from '../common/diagnosis';
import { errorMessage } from '../common/error-message';
import type { OperatorIdentity } from '../common/operator-identity';
import type { Diagnosis } from '../common/types';
import type { RunbookTally } from '../workflows/outcome-definitions';
import type { IncidentSettings } from './incident';

export interface OpeningInput {
  target: string;
  faultStartedAt: string;
  /** The signature and the rungs of the incident's opening ladder, for the book (read when incidents learn and it has two or more). */
  outcomes: { signature: string; runbooks: string[] };
  /** The incident's run, when it was not started by another workflow: who started it is read from its history. */
  starter?: { workflowId: string; runId: string };
}

export interface Opening {
  settings: IncidentSettings;
  /** No facts when the diagnosis failed. */
  diagnosis: Pick<Diagnosis, 'summary'> & Partial<Pick<Diagnosis, 'facts'>>;
  /** As read for `outcomes`; absent when it was not read. */
  book?: { tallies: Record<string, RunbookTally> } | { unread: string };
  /** Who started it, as authentication proves it (read for `starter`). */
  starter?: OperatorIdentity;
}

interface Parts {
  incidentSettings(): Promise<IncidentSettings>;
  diagnose(input: { target: string; faultStartedAt: string }): Promise<Diagnosis>;
  outcomeTallies(input: OpeningInput['outcomes'] & { withinMs: number }): Promise<Record<string, RunbookTally>>;
  authenticateStart(run: NonNullable<OpeningInput['starter']>): Promise<OperatorIdentity>;
}

/** A slow book is passed by, not waited for. */
const bookWithinMs = 5_000;
/** Well inside the activity's 30 s, so that a hung diagnoser does not cost the incident its settings. */
const diagnosisWithinMs = 20_000;

export function openingActivities(parts: Parts) {
  return {
    async openIncident({ target, faultStartedAt, outcomes, starter }: OpeningInput): Promise<Opening> {
      const settings = await parts.incidentSettings();
      const [diagnosis, book, started] = await Promise.all([
        within(diagnosisWithinMs, parts.diagnose({ target, faultStartedAt }), 'the diagnosis').catch(failedDiagnosis),
        settings.learning && outcomes.runbooks.length > 1 ? readBook(parts, outcomes) : undefined, // one rung: nothing to skip
        starter && parts.authenticateStart(starter),
      ]);
      return { settings, diagnosis, ...(book && { book }), ...(started && { starter: started }) };
    },
  };
}

async function readBook(parts: Parts, outcomes: OpeningInput['outcomes']): Promise<NonNullable<Opening['book']>> {
  try {
    // The query itself ends a second later: nothing is left asking once the incident has gone on.
    return { tallies: await within(bookWithinMs, parts.outcomeTallies({ ...outcomes, withinMs: bookWithinMs + 1000 }), 'the outcome book') };
  } catch (err) {
    return { unread: errorMessage(err) };
  }
}

/** `work`'s result, or an error once `ms` have passed (the work itself is left to end on its own). */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
