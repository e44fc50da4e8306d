// Approve/reject buttons on Slack (or a Slack-compatible chat): POST /chat/slack/interactions. Slack signs each
// request (v0 HMAC-SHA256 of "v0:<timestamp>:<body>" with the app's signing secret); a request outside the timestamp
// window, or seen before, is refused. The approver is the chat user mapped to an identity in approvals.slack.users.
import { createHmac } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { decideIncident } from '../client/operator-decisions';
import { UsageError } from '../client/usage-error';
import { toMs } from '../common/duration';
import { sameSecret } from '../common/same-secret';
import type { Log } from '../common/json-log';
import type { ApprovalsConfig } from '../config/approvals-schema';
import { ConfigError } from '../config/load';
import { signerFor } from './decisions';

type SlackConfig = NonNullable<ApprovalsConfig['slack']>;

interface Interaction {
  type?: string;
  user?: { id?: string; username?: string };
  team?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
}

export function registerSlack(app: FastifyInstance, slack: SlackConfig, deps: { client: Client; log: Log; key: Buffer; env: NodeJS.ProcessEnv }): void {
  const secret = deps.env[slack.signingSecretEnv];
  if (!secret) throw new ConfigError('(environment)', [`approvals.slack.signingSecretEnv: environment variable ${slack.signingSecretEnv} is not set`]);
  const windowMs = toMs(slack.maxSkew);
  const seen = new Map<string, number>(); // signature → when it leaves the window

  app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/chat/slack/interactions', async (req, reply) => {
      const refuse = (code: number, error: string) => {
        deps.log('WARN', 'chat interaction refused', { status: code, error });
        return reply.code(code).send({ error });
      };
      const body = req.body;
      if (!Buffer.isBuffer(body)) return refuse(415, 'expected Content-Type: application/x-www-form-urlencoded');
      const stamp = String(req.headers['x-slack-request-timestamp'] ?? '');
      const signature = String(req.headers['x-slack-signature'] ?? '');
      const now = Date.now();
      if (!/^\d{1,12}$/.test(stamp)) return refuse(401, 'missing or bad X-Slack-Request-Timestamp');
      if (Math.abs(now - Number(stamp) * 1000) > windowMs) return refuse(401, `X-Slack-Request-Timestamp is outside the ${slack.maxSkew} window (a replay?)`);
      const expected = `v0=${createHmac('sha256', secret).update(`v0:${stamp}:`).update(body).digest('hex')}`;
      if (!sameSecret(Buffer.from(signature), Buffer.from(expected))) return refuse(401, 'wrong X-Slack-Signature');
      for (const [s, until] of seen) if (until < now) seen.delete(s);
      if (seen.has(signature)) return refuse(401, 'this request was received before (a replay)');
      seen.set(signature, Number(stamp) * 1000 + windowMs);

      let interaction: Interaction;
      try {
        interaction = JSON.parse(new URLSearchParams(body.toString('utf8')).get('payload') ?? '');
      } catch {
        return refuse(400, 'the form has no JSON payload');
      }
      const action = interaction.actions?.[0];
      const decision = action?.action_id;
      if (interaction.type !== 'block_actions' || (decision !== 'approve' && decision !== 'reject') || !action?.value) {
        return refuse(400, 'not an approve or reject button of a mend notice');
      }
      if (slack.team && interaction.team?.id !== slack.team) return refuse(403, `not from team ${slack.team}`);
      let button: { incident?: unknown; asked?: unknown } | null = null;
      try {
        button = JSON.parse(action.value);
      } catch {
        // not one of mend's buttons: refused below
      }
      if (typeof button?.incident !== 'string' || typeof button.asked !== 'string') return refuse(400, 'not an approve or reject button of a mend notice');
      const userId = interaction.user?.id ?? '';
      const identity = Object.hasOwn(slack.users, userId) ? slack.users[userId] : undefined;
      if (!identity) {
        // Slack shows a non-200 answer as an error; the refusal is the answer's text.
        deps.log('WARN', 'chat interaction refused', { error: `chat user ${userId} is not mapped`, incident: button.incident });
        return reply.code(200).send({ response_type: 'ephemeral', text: `refused: chat user ${userId} is not mapped to an identity in mend` });
      }
      const evidence = `chat user ${userId} (${interaction.user?.username ?? '?'}) of team ${interaction.team?.id ?? '?'}, request signed at ${new Date(Number(stamp) * 1000).toISOString()}`;
      const sign = signerFor(deps.key, { identity, groups: [], evidence }, 'chat');
      try {
        const answer = await decideIncident(deps.client, sign, identity, button.incident, decision, {}, button.asked);
        deps.log('INFO', 'decision', { channel: 'chat', identity, incident: button.incident, accepted: answer.accepted, text: answer.text });
        return reply.code(200).send({ response_type: 'ephemeral', text: answer.text });
      } catch (err) {
        if (err instanceof UsageError) return reply.code(200).send({ response_type: 'ephemeral', text: err.message });
        throw err;
      }
    });
  });
}
