// The Temporal UI server's config (ui-server, config/<env>.yaml): the Temporal frontend it talks to, and OIDC
// sign-in, so the signals an operator sends from it carry who signed in ("<email> - webui").
import { stringify } from 'yaml';

export interface TemporalUiPlan {
  /** The Temporal frontend's gRPC address. */
  temporalAddress: string;
  port: number;
  oidc: { issuer: string; clientId: string; clientSecret: string };
  /** mTLS to the frontend: the CA that signed its certificate, and the UI's own client certificate. */
  tls?: { caFile: string; certFile: string; keyFile: string; serverName: string };
}

export const temporalUiUrl = (port: number) => `http://127.0.0.1:${port}`;

export function temporalUiConfig(plan: TemporalUiPlan): string {
  const url = temporalUiUrl(plan.port);
  return stringify({
    temporalGrpcAddress: plan.temporalAddress,
    host: '127.0.0.1',
    port: plan.port,
    enableUi: true,
    defaultNamespace: 'default',
    // Plain HTTP on loopback: cookies without the Secure flag.
    cors: { cookieInsecure: true },
    ...(plan.tls && { tls: { ...plan.tls, enableHostVerification: true } }),
    auth: {
      enabled: true,
      providers: [
        {
          label: 'Sign in',
          type: 'oidc',
          providerUrl: plan.oidc.issuer,
          clientId: plan.oidc.clientId,
          clientSecret: plan.oidc.clientSecret,
          callbackUrl: `${url}/auth/sso/callback`,
          scopes: ['openid', 'profile', 'email'],
        },
      ],
    },
  });
}
