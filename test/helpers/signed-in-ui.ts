// The Temporal UI as a production deployment runs it: its own UI server (scripts/provision/temporal-ui.sh) with OIDC
// sign-in through a real Dex, in front of a Temporal frontend; operators sign in in Chromium.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { demoPassword, demoUsers } from '../../stack/dex-config';
import { temporalUiConfig, temporalUiUrl } from '../../stack/temporal-ui-config';
import { startDex, type Dex } from './dex';
import { freePort, provisioned, scratchDir, stopProcess, waitForPort } from './processes';

export interface SignedInUi {
  url: string;
  dex: Dex;
  stop(): Promise<void>;
}

export async function startSignedInUi(temporalAddress: string): Promise<SignedInUi> {
  const bin = provisioned('temporal-ui', 'TEMPORAL_UI_BIN');
  const port = await freePort();
  const url = temporalUiUrl(port);
  const clientSecret = randomBytes(16).toString('hex');
  const dex = await startDex({ clients: { 'temporal-ui': { secret: clientSecret, redirect: `${url}/auth/sso/callback` } } });
  const dir = scratchDir('temporal-ui-');
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config', 'development.yaml'), temporalUiConfig({ temporalAddress, port, oidc: { issuer: dex.issuer, clientId: 'temporal-ui', clientSecret } }), {
    mode: 0o600,
  });
  const log = openSync(join(dir, 'ui.log'), 'a');
  const child = spawn(bin, ['--root', dir, '--config', 'config', '--env', 'development', 'start'], { stdio: ['ignore', log, log] });
  await waitForPort(port, 20_000, 'the Temporal UI server');
  return {
    url,
    dex,
    stop: async () => {
      await stopProcess(child);
      await dex.stop();
    },
  };
}

/** Signs a demo user (alice, bob, carol, mallory) in to the UI through Dex's login form. */
export async function signIn(page: Page, ui: SignedInUi, user: string): Promise<void> {
  await page.goto(`${ui.url}/auth/sso`);
  await page.locator('input[name="login"]').fill(demoUsers[user].email);
  await page.locator('input[name="password"]').fill(demoPassword(user));
  await page.getByRole('button', { name: /login/i }).click();
  // Back in the UI, its script keeps the signed-in user (handed over in short-lived cookies) once the workflows show.
  await page.waitForURL((u) => u.origin === ui.url && u.pathname.startsWith('/namespaces/'));
}
