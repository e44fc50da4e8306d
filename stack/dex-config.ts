// Dex, the OIDC provider the local stack and the tests sign operators in with: static users with groups, the CLI's
// public client (device flow) and the Temporal UI's confidential one. Demo users only: a team points mend at its own
// identity provider.
import { stringify } from 'yaml';

export interface DexUser {
  email: string;
  /** bcrypt hash of the password. */
  hash: string;
  groups: string[];
}

/** alice, bob, carol, mallory and mend-worker, password "<name>-pass" (bcrypt, cost 10): the stack's and tests' users. */
export const demoUsers: Record<string, DexUser> = {
  alice: { email: 'alice@example.com', hash: '$2a$10$GLrEEn4ajKlkyJ5pTa9K6uYWUq9A/6qhwKN2uvVZgtWVMViZGhCSK', groups: ['sre-leads', 'sre'] },
  bob: { email: 'bob@example.com', hash: '$2a$10$FEyX9vwoWbkIe8bi3sC4bOvTL.MY9kQV4r6MrfviLZldECp9rvaoG', groups: ['sre'] },
  carol: { email: 'carol@example.com', hash: '$2a$10$gVVeSF8Lp6ZHII4kEF/FEeWztLqf.dqN8iQhL1sPS5yxgFG8KeT9K', groups: ['sre'] },
  mallory: { email: 'mallory@example.com', hash: '$2a$10$fO1.zHdnYdo0GmooP7N/JegGCxj.xhSrpdZYUDK3E.s2kXQTKeg3K', groups: [] },
  // mend's processes, for a Temporal frontend that takes JWTs as API keys: the "<namespace>:<role>" its claim mapper reads.
  'mend-worker': { email: 'mend-worker@example.com', hash: '$2a$10$uRIt28gFdmtrYVEwCXISROYi7EuoQ/QfoHGMusjWsTRgOkWVA0Eqe', groups: ['default:write'] },
};

export const demoPassword = (name: string) => `${name}-pass`;

export interface DexPlan {
  port: number;
  users: Record<string, DexUser>;
  /** Public clients: the CLI's (device flow; the password grant too, for tests), and any other audience. */
  publicClients: string[];
  /** Confidential clients: id → secret and redirect URI (the Temporal UI's /auth/sso/callback). */
  clients: Record<string, { secret: string; redirect: string }>;
  /** How long an ID token lasts. */
  idTokens: string;
}

export const dexIssuer = (port: number) => `http://127.0.0.1:${port}/dex`;

export function dexConfig(plan: DexPlan): string {
  return stringify({
    issuer: dexIssuer(plan.port),
    storage: { type: 'memory' },
    web: { http: `127.0.0.1:${plan.port}` },
    logger: { level: 'warn', format: 'json' },
    expiry: { idTokens: plan.idTokens, deviceRequests: '5m' },
    oauth2: {
      passwordConnector: 'local',
      skipApprovalScreen: true,
      responseTypes: ['code'],
      grantTypes: ['authorization_code', 'refresh_token', 'password', 'urn:ietf:params:oauth:grant-type:device_code'],
    },
    enablePasswordDB: true,
    staticPasswords: Object.entries(plan.users).map(([username, u], i) => ({
      email: u.email,
      hash: u.hash,
      username,
      userID: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      groups: u.groups,
    })),
    staticClients: [
      ...plan.publicClients.map((id) => ({ id, name: id, public: true })),
      ...Object.entries(plan.clients).map(([id, c]) => ({ id, name: id, secret: c.secret, redirectURIs: [c.redirect] })),
    ],
  });
}
