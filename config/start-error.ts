// How a process that cannot start says why: a bad config or pack by its message alone, anything else in full.
import { ConfigError } from './load';
import { PackError } from '../packs/pack-error';

export const describeStartError = (err: unknown): unknown => (err instanceof ConfigError || err instanceof PackError ? err.message : err);
