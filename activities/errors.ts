// Typed activity errors: a retry cannot fix these, so the safety policy's retries stop at once.
import { ApplicationFailure } from '@temporalio/common';

export const nonRetryable = (message: string, details?: unknown) =>
  ApplicationFailure.create({ message, type: 'NonRetryable', nonRetryable: true, details: details ? [details] : undefined });
