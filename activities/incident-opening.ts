// An incident's first call: its settings, the diagnosis of its target and what the outcome book holds for its
// ladder, in one activity (one round trip through Temporal instead of three). A failed diagnosis or an unread book
// is reported, not thrown: the incident goes on without it.
import { errorMessage } from '../common/error-message';
import type { Diagnosis } from '../common/types';
import type { RunbookTally } from '../workflows/outcome-definitions';
import type { IncidentSettings } from './incident';

export interface OpeningInput {
  target: string;
  faultStartedAt: string;
  /** The signature and the rungs of the incident's opening ladder, for the book (read only when incidents learn). */
  outcomes: { signature: string; runbooks: string[] };
}

export interface Opening {
  settings: IncidentSettings;
  /** No facts when the diagnosis failed. */
  diagnosis: Pick<Diagnosis, 'summary'> & Partial<Pick<Diagnosis, 'facts'>>;
  /** As read for `outcomes`; absent when incidents do not learn. */
  book?: { tallies: Record<string, RunbookTally> } | { unread: string };
}

interface Parts {
  incidentSettings(): Promise<IncidentSettings>;
  diagnose(input: { target: string; faultStartedAt: string }): Promise<Diagnosis>;
  outcomeTallies(input: OpeningInput['outcomes']): Promise<Record<string, RunbookTally>>;
}

/** A slow book is passed by, not waited for. */
const bookWithinMs = 5_000;

export function openingActivities(parts: Parts) {
  return {
    async openIncident({ target, faultStartedAt, outcomes }: OpeningInput): Promise<Opening> {
      const settings = await parts.incidentSettings();
      const [diagnosis, book] = await Promise.all([
        parts.diagnose({ target, faultStartedAt }).catch((err) => ({ summary: `diagnosis failed: ${errorMessage(err)}` })),
        settings.learning ? readBook(parts, outcomes) : undefined,
      ]);
      return { settings, diagnosis, ...(book && { book }) };
    },
  };
}

async function readBook(parts: Parts, outcomes: OpeningInput['outcomes']): Promise<NonNullable<Opening['book']>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the outcome book did not answer within ${bookWithinMs / 1000} s`)), bookWithinMs)));
  try {
    return { tallies: await Promise.race([parts.outcomeTallies(outcomes), late]) };
  } catch (err) {
    return { unread: errorMessage(err) };
  } finally {
    clearTimeout(timer);
  }
}
