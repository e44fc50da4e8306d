// How operators prove who they are when they decide (approve, reject, override, confirm): see docs/approvals.md.
import { z } from 'zod';
import { durationSchema as duration, envNameSchema as envName } from '../common/schemas';

const oidcSchema = z
  .object({
    /** The OIDC issuer; its discovery document names the JWKS that signs tokens. */
    issuer: z.string().url(),
    /** The `aud` a token must carry (the OAuth client the CLI and HTTP callers get their tokens for). */
    audience: z.string().min(1),
    /** The claim that names the approver. */
    identityClaim: z.string().min(1).default('email'),
    /** The claim listing the approver's groups (policy approvers `group:<name>`). */
    groupsClaim: z.string().min(1).default('groups'),
    /** The OAuth client `mend login` uses for the device flow; defaults to the audience. */
    cliClientId: z.string().min(1).optional(),
    /** Clock skew allowed on `exp` and `nbf`. */
    clockTolerance: duration.default('30s'),
  })
  .strict();

const slackSchema = z
  .object({
    /** Env var holding the Slack app's signing secret. */
    signingSecretEnv: envName,
    /** Requests whose X-Slack-Request-Timestamp is further from now are refused (replays). */
    maxSkew: duration.default('5m'),
    /** Chat user id → the identity it decides as; users not listed are refused. */
    users: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** The workspace (team id) clicks must come from; any, when absent. */
    team: z.string().min(1).optional(),
  })
  .strict();

export const approvalsSchema = z
  .object({
    /** Env var holding the key the gateway signs authenticated decisions with and the worker checks them against. */
    keyEnv: envName.default('MEND_APPROVAL_KEY'),
    /** How long a decision the gateway signed may take to reach its workflow. */
    maxAge: duration.default('2m'),
    /**
     * Count "<email> - webui" identities that the Temporal UI records for its signed-in users. Only true when the
     * UI signs users in (OIDC) and no one else may set identities at the Temporal frontend (docs/approvals.md).
     */
    temporalUi: z.boolean().default(false),
    /** CLI and HTTP approvals: tokens from this OIDC issuer. */
    oidc: oidcSchema.optional(),
    /** Slack-compatible interactive approve/reject buttons. */
    slack: slackSchema.optional(),
    /** Who may start an incident by hand through the gateway (users, `group:<name>`); default: the policy's approvers. */
    requesters: z.array(z.string().min(1)).optional(),
    /** The gateway's base URL, where `mend approve`, `override` and `dr confirm` send decisions. */
    gatewayUrl: z.string().url().optional(),
  })
  .strict();

export type ApprovalsConfig = z.infer<typeof approvalsSchema>;
