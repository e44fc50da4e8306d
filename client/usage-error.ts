/** Bad input from an operator: the CLI prints it without a stack trace (exit code 2), the gateway answers `status`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
