// What operators decide or ask for over HTTP (what `mend approve`, `override`, `dr confirm` and `run` send): the
// bearer token is checked against the OIDC issuer, and the workflow is told who it was under the gateway's attestation.
//   POST /approvals/<incident>        {"decision": "approve" | "reject", "comment"?, "by"?}
//   POST /overrides/<target>          {"reason", "by"?}
//   POST /dr/<run>/confirmations      {"item", "note"?, "by"?}
//   POST /incidents                   {"runbook", "params": ["k=v", ...], "severity", "dryRun"?, "summary"?, "id"?}
// 200 accepted (201 started), 202 sent but not recorded within 10 s, 403 refused by the policy (recorded), 401 no
// acceptable token, 400/404/409 bad request.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { planIncident, startIncident } from '../client/manual-incident';
import { confirmDrItem, decideIncident, overrideTarget, type DecisionAnswer, type Sign } from '../client/operator-decisions';
import { UsageError } from '../client/usage-error';
import { isApprover } from '../common/approvers';
import { attest } from '../common/attestation';
import type { Log } from '../common/json-log';
import type { DecisionChannel } from '../common/operator-identity';
import type { MendConfig } from '../config/schema';
import { parseJsonBody } from './json-body';
import { TokenRefused, type TokenIdentity } from './oidc';

const text = (max: number) => z.string().trim().min(1).max(max);
const by = text(320).optional();
const bodies = {
  approval: z.object({ decision: z.enum(['approve', 'reject']), comment: text(2000).optional(), by }).strict(),
  override: z.object({ reason: text(2000), by }).strict(),
  confirmation: z.object({ item: text(200), note: text(2000).optional(), by }).strict(),
  incident: z
    .object({
      runbook: text(200),
      params: z.array(z.string().max(4000)).max(100).default([]),
      severity: z.string().default('warning'),
      dryRun: z.boolean().default(false),
      summary: text(2000).optional(),
      id: text(200).optional(),
    })
    .strict(),
};

export interface DecisionRoutes {
  client: Client;
  config: MendConfig;
  log: Log;
  /** The gateway's signing key (approvals.keyEnv). */
  key: Buffer;
  verify: (token: string) => Promise<TokenIdentity>;
}

/** Who decides through the gateway: a decision from an authenticated operator, and the attestation it goes with. */
export interface Decider {
  identity: string;
  groups: string[];
  channel: DecisionChannel;
  sign: Sign;
}

/** Signs payloads as `who` said them, through `channel`. */
export const signerFor =
  (key: Buffer, who: TokenIdentity, channel: DecisionChannel): Sign =>
  (to, signal, payload) =>
    attest(key, payload, { ...to, signal, identity: who.identity, groups: who.groups, channel, evidence: who.evidence });

export function registerDecisions(app: FastifyInstance, { client, config, log, key, verify }: DecisionRoutes): void {
  const route = <B extends z.ZodType>(
    url: string,
    body: B,
    deliver: (decider: Decider, params: Record<string, string>, body: z.infer<B>) => Promise<{ code: number; answer: object }>,
  ) =>
    app.post(url, async (req, reply) => {
      const token = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!token) return refuse(reply, 401, 'missing bearer token (an OIDC token: `mend login`)');
      let who: TokenIdentity;
      try {
        who = await verify(token);
      } catch (err) {
        if (!(err instanceof TokenRefused)) throw err;
        log('WARN', 'operator request refused: token not acceptable', { url: req.url, error: err.message });
        return refuse(reply, 401, err.message);
      }
      const parsed = parseBody(req, body);
      if (typeof parsed === 'string') return refuse(reply, 400, parsed);
      const channel: DecisionChannel = String(req.headers['user-agent'] ?? '').startsWith('mend-cli/') ? 'cli' : 'http';
      try {
        const decider = { identity: who.identity, groups: who.groups, channel, sign: signerFor(key, who, channel) };
        const { code, answer } = await deliver(decider, req.params as Record<string, string>, parsed);
        log('INFO', 'operator request', { url: req.url, identity: who.identity, channel, status: code, ...answer });
        return reply.code(code).send(answer);
      } catch (err) {
        if (err instanceof UsageError) return refuse(reply, err.status, err.message);
        throw err;
      }
    });
  const decided = (answer: DecisionAnswer) => ({ code: answer.pending ? 202 : answer.accepted ? 200 : 403, answer });

  route('/approvals/:incident', bodies.approval, async ({ identity, sign }, { incident }, { decision, ...payload }) =>
    decided(await decideIncident(client, sign, identity, incident, decision, payload)),
  );
  route('/overrides/:target', bodies.override, async ({ identity, sign }, { target }, payload) => decided(await overrideTarget(client, sign, identity, target, payload)));
  route('/dr/:run/confirmations', bodies.confirmation, async ({ identity, sign }, { run }, payload) => decided(await confirmDrItem(client, sign, identity, run, payload)));
  // Who asked is the incident's requester: the policy never counts them as its approver.
  route('/incidents', bodies.incident, async ({ identity, groups, sign }, _, request) => {
    const requesters = config.approvals.requesters ?? config.policy.approval.approvers;
    if (!isApprover(identity, groups, requesters)) return { code: 403, answer: { accepted: false, error: `${identity} may not start incidents (approvals.requesters)` } };
    const plan = planIncident(request);
    await startIncident(client, config, plan, sign({ workflowId: plan.id }, 'start', plan.input));
    return { code: 201, answer: { incidentId: plan.id, target: plan.target } };
  });
}

function refuse(reply: FastifyReply, code: number, error: string) {
  return reply.code(code).send({ accepted: false, error });
}

/** The JSON body checked against its schema, or what is wrong with it. */
function parseBody<B extends z.ZodType>(req: FastifyRequest, schema: B): z.infer<B> | string {
  if (!Buffer.isBuffer(req.body)) return 'expected a JSON body with Content-Type: application/json';
  let json: unknown;
  try {
    json = parseJsonBody(req.body);
  } catch (err) {
    return `body is not valid JSON: ${(err as Error).message}`;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}
