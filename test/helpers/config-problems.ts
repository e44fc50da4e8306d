// What a config parser reports as wrong, for asserting on it.
import { ConfigError } from '../../config/load';

/** The problems of the ConfigError that `parse` throws; [] when it parses. Any other error is rethrown. */
export function configProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
