// Operators as they really decide: signed in to a real Dex, their tokens checked by a real gateway, the `mend` CLI
// sending their decisions there (MEND_TOKEN_FILE, MEND_GATEWAY_URL).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { approvalsSchema } from '../../config/approvals-schema';
import type { MendConfig } from '../../config/schema';
import { runCli } from './cli';
import { startDex, type Dex } from './dex';
import { startGateway, type Gateway } from './gateway';
import { scratchDir } from './processes';

export interface Operators {
  dex: Dex;
  gateway: Gateway;
  /** The config the CLI and the gateway use (approvals.oidc: this Dex). */
  config: MendConfig;
  /** Runs `mend ...` signed in as a demo user (alice, bob, carol, mallory). */
  cliAs(user: string, ...args: string[]): Promise<{ code: number; out: string; err: string }>;
  stop(): Promise<void>;
}

/**
 * A Dex and a gateway in front of a test worker. `identityClaim` "name" makes the demo users' identities their
 * names (alice, ...), as the tests' policies list them; a real deployment keeps the default, email.
 */
export async function startOperators(
  workerConfig: MendConfig,
  oidc: { identityClaim?: string; clockTolerance?: string } = { identityClaim: 'name' },
  dexOptions: Parameters<typeof startDex>[0] = {},
): Promise<Operators> {
  const dex = await startDex(dexOptions);
  const approvals = approvalsSchema.parse({ oidc: { issuer: dex.issuer, audience: 'mend', ...oidc } });
  const gateway = await startGateway({ ...workerConfig, approvals });
  const config = { ...workerConfig, approvals: { ...approvals, gatewayUrl: gateway.url } };
  const tokens = scratchDir('tokens-');
  return {
    dex,
    gateway,
    config,
    async cliAs(user, ...args) {
      const file = join(tokens, user);
      writeFileSync(file, await dex.token(user), { mode: 0o600 });
      const before = process.env.MEND_TOKEN_FILE;
      process.env.MEND_TOKEN_FILE = file;
      try {
        return await runCli(config, ...args);
      } finally {
        if (before === undefined) delete process.env.MEND_TOKEN_FILE;
        else process.env.MEND_TOKEN_FILE = before;
      }
    },
    async stop() {
      try {
        await gateway.close();
      } finally {
        await dex.stop();
      }
    },
  };
}
