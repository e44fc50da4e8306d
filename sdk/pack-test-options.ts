// What a pack's test sets up around mend's worker, for its tests and its crash tests.
export interface PackTestOptions {
  /** Starts what the test acts on and returns config sections to add (this pack's, other packs'). */
  before?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  after?: () => Promise<unknown> | unknown;
  /** The safety policy (mend.yaml's `policy`), e.g. approvers. */
  policy?: Record<string, unknown>;
}
