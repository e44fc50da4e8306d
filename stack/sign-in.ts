// The local stack's sign-in: Dex's config (the demo users, the CLI's client, the Temporal UI's) and the Temporal UI
// server's (OIDC through that Dex), written into the stack's data folder. The UI's client secret comes by env
// (MEND_UI_CLIENT_SECRET), never in arguments. Usage: sign-in.js <data dir> <dex port> <ui port> <temporal address>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoUsers, dexConfig, dexIssuer } from './dex-config';
import { temporalUiConfig, temporalUiUrl } from './temporal-ui-config';

const [data, dexPort, uiPort, temporalAddress] = process.argv.slice(2);
const clientSecret = process.env.MEND_UI_CLIENT_SECRET;
if (!data || !dexPort || !uiPort || !temporalAddress || !clientSecret) {
  throw new Error('usage: MEND_UI_CLIENT_SECRET=... sign-in.js <data dir> <dex port> <ui port> <temporal address>');
}
const secret = { mode: 0o600 };
const callback = `${temporalUiUrl(Number(uiPort))}/auth/sso/callback`;
writeFileSync(
  join(data, 'dex.yaml'),
  dexConfig({ port: Number(dexPort), users: demoUsers, publicClients: ['mend'], clients: { 'temporal-ui': { secret: clientSecret, redirect: callback } }, idTokens: '8h' }),
  secret,
);
mkdirSync(join(data, 'ui', 'config'), { recursive: true });
writeFileSync(
  join(data, 'ui', 'config', 'development.yaml'),
  temporalUiConfig({ temporalAddress, port: Number(uiPort), oidc: { issuer: dexIssuer(Number(dexPort)), clientId: 'temporal-ui', clientSecret } }),
  secret,
);
