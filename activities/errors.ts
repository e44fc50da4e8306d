// Typed activity errors: a retry cannot fix these, so the safety policy's retries stop at once.
import { ApplicationFailure } from '@temporalio/common';

export const nonRetryable = (message: string, details?: unknown) =>
  ApplicationFailure.create({ message, type: 'NonRetryable', nonRetryable: true, details: details ? [details] : undefined });

/** The system is not in the state the step expects (changed uid, version, position): act no further. */
export const preconditionFailed = (message: string) =>
  ApplicationFailure.create({ message, type: 'PreconditionFailed', nonRetryable: true });
