// Why a runbook stopped. Each maps to a RunbookStatus in its result.
import type { RunbookStatus } from '../../common/types';

export class RunbookStop extends Error {
  constructor(
    readonly status: Exclude<RunbookStatus, 'verified' | 'not-needed' | 'planned'>,
    message: string,
  ) {
    super(message);
    this.name = 'RunbookStop';
  }
}

export const refused = (why: string) => new RunbookStop('refused', why);
export const rejected = (why: string) => new RunbookStop('rejected', why);
export const approvalTimedOut = (why: string) => new RunbookStop('approval-timeout', why);
export const stoodDown = (why: string) => new RunbookStop('stood-down', why);
export const verificationFailed = (why: string) => new RunbookStop('failed', why);
/** Acting would be unsafe (e.g. a diverged replica): no heavier runbook, the incident goes to people with the evidence. */
export const needsPeople = (why: string) => new RunbookStop('needs-people', why);
