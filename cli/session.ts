// What every `mend` command gets: the loaded config, where its output goes, and a Temporal client made on first use.
import type { Client } from '@temporalio/client';
import type { MendConfig } from '../config/schema';

export type Out = (text: string) => void;

export interface Session {
  config: MendConfig;
  out: Out;
  client(): Promise<Client>;
}
