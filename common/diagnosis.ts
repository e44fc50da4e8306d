// A diagnosis that could not be made: the incident goes on without facts, and its timeline says why.
import { errorMessage } from './error-message';

export const failedDiagnosis = (err: unknown) => ({ summary: `diagnosis failed: ${errorMessage(err)}`, facts: undefined });
