// How mend's processes (worker, gateway, CLI) reach the Temporal frontend: its address, TLS with the CA that signed
// its certificate, this process's client certificate (mTLS), and an API key from the environment. Node only.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from '../config/load';
import type { MendConfig } from '../config/schema';

export interface TemporalConnectionOptions {
  address: string;
  /** false: plain text even with an API key (tls.disabled); absent: TLS with the system's roots if there is a key. */
  tls?: TLSConfig | false;
  apiKey?: string;
}

/** The options for Connection.connect / NativeConnection.connect; a certificate file that cannot be read is a config error. */
export function temporalConnection(temporal: MendConfig['temporal'], env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const apiKey = env[temporal.apiKeyEnv] || undefined;
  const tls = temporal.tls;
  if (!tls) return { address: temporal.address, ...(apiKey && { apiKey }) };
  if (tls.disabled) return { address: temporal.address, tls: false, ...(apiKey && { apiKey }) };
  const read = (field: 'caFile' | 'certFile' | 'keyFile') => {
    const file = tls[field]!;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError('(config)', [`temporal.tls.${field}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
    }
  };
  return {
    address: temporal.address,
    tls: {
      ...(tls.serverName && { serverNameOverride: tls.serverName }),
      ...(tls.caFile && { serverRootCACertificate: read('caFile') }),
      ...(tls.certFile && { clientCertPair: { crt: read('certFile'), key: read('keyFile') } }),
    },
    ...(apiKey && { apiKey }),
  };
}
