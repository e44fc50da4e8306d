// Who may post alerts, and the key decisions are signed with: a bearer token per source, and/or an HMAC-SHA256 signature of the body (Grafana's scheme:
// hex of HMAC(secret, "<unix seconds>:<body>") when a timestamp header is used). Compared in constant time.
import { createHmac } from 'node:crypto';
import { toMs } from '../common/duration';
import { sameSecret } from '../common/same-secret';
import { ConfigError } from '../config/load';
import type { MendConfig } from '../config/schema';
import type { SourceConfig, SourceName } from './config-schema';

type Headers = Record<string, string | string[] | undefined>;

export interface SourceAuth {
  /** Checked before the body is read. */
  checkHeaders(headers: Headers): string | undefined;
  /** Checked once the body is read; undefined when it is authentic. */
  checkBody(headers: Headers, body: Buffer, now: number): string | undefined;
}

/** Reads each source's secrets from the environment; a missing one is a start-up error naming the variable. */
export function sourceAuth(name: SourceName, config: SourceConfig, env: NodeJS.ProcessEnv): SourceAuth {
  const secret = (field: string, variable: string): Buffer => {
    const value = env[variable];
    if (!value) throw new ConfigError('(environment)', [`gateway.sources.${name}.${field}: environment variable ${variable} is not set`]);
    return Buffer.from(value);
  };
  const token = config.tokenEnv ? secret('tokenEnv', config.tokenEnv) : undefined;
  const hmac = config.hmac ? { ...config.hmac, key: secret('hmac.secretEnv', config.hmac.secretEnv) } : undefined;
  return {
    checkHeaders(headers) {
      if (!token) return undefined;
      const given = /^Bearer\s+(.+)$/i.exec(single(headers.authorization) ?? '')?.[1];
      if (!given) return 'missing bearer token';
      return sameSecret(Buffer.from(given), token) ? undefined : 'wrong bearer token';
    },
    checkBody(headers, body, now) {
      if (!hmac) return undefined;
      const signature = single(headers[hmac.header.toLowerCase()])?.replace(/^sha256=/, '');
      if (!signature) return `missing ${hmac.header}`;
      let signed = body;
      if (hmac.timestampHeader) {
        const stamp = single(headers[hmac.timestampHeader.toLowerCase()]);
        if (!stamp || !/^\d{1,12}$/.test(stamp)) return `missing or bad ${hmac.timestampHeader}`;
        if (Math.abs(now - Number(stamp) * 1000) > toMs(hmac.maxSkew)) return `${hmac.timestampHeader} is too old or in the future`;
        signed = Buffer.concat([Buffer.from(`${stamp}:`), body]);
      }
      const expected = createHmac('sha256', hmac.key).update(signed).digest('hex');
      return sameSecret(Buffer.from(signature.toLowerCase()), Buffer.from(expected)) ? undefined : 'wrong signature';
    },
  };
}

/** The key the gateway signs operators' decisions with (the worker checks them with the same); required to take them. */
export function approvalKey(config: MendConfig, env: NodeJS.ProcessEnv): Buffer {
  const variable = config.approvals.keyEnv;
  const value = env[variable];
  if (!value) throw new ConfigError('(environment)', [`approvals.keyEnv: environment variable ${variable} is not set (the gateway signs decisions with it)`]);
  if (value.length < 32) throw new ConfigError('(environment)', [`approvals.keyEnv: ${variable} is shorter than 32 characters`]);
  return Buffer.from(value);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
