// A real Dex (the OIDC provider; scripts/provision/dex.sh builds it) with the demo users, for sign-ins and tokens.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPassword, demoUsers, dexConfig, dexIssuer, type DexPlan } from '../../stack/dex-config';
import { freePort, provisioned, scratchDir, stopProcess, waitForPort } from './processes';

export interface Dex {
  issuer: string;
  /** An ID token for a demo user (alice, bob, carol, mallory), by the password grant. */
  token(user: string, clientId?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDex(options: Partial<Pick<DexPlan, 'clients' | 'idTokens' | 'publicClients'>> = {}): Promise<Dex> {
  const bin = provisioned('dex', 'DEX_BIN');
  const dir = scratchDir('dex-');
  const port = await freePort();
  // The CLI's client `mend`, other public ones (tokens for another audience), and confidential ones.
  const publicClients = ['mend', ...(options.publicClients ?? [])];
  writeFileSync(join(dir, 'config.yaml'), dexConfig({ port, users: demoUsers, publicClients, clients: options.clients ?? {}, idTokens: options.idTokens ?? '1h' }));
  const child = spawn(bin, ['serve', join(dir, 'config.yaml')], { stdio: ['ignore', 'ignore', openSync(join(dir, 'dex.log'), 'a')] });
  await waitForPort(port, 20_000, 'Dex');
  const issuer = dexIssuer(port);
  return {
    issuer,
    async token(user, clientId = 'mend') {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'password',
          username: demoUsers[user].email,
          password: demoPassword(user),
          scope: 'openid email profile groups',
          client_id: clientId,
        }),
      });
      const body = (await res.json()) as { id_token?: string; error?: string };
      if (!body.id_token) throw new Error(`Dex gave no token for ${user}: ${JSON.stringify(body)}`);
      return body.id_token;
    },
    stop: () => stopProcess(child),
  };
}
