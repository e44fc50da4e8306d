// What an operator decides or asks for goes through the gateway, which checks the operator's token and tells the
// workflow who it was: the CLI never signals a decision itself (a Temporal client's word on who it is proves nothing).
import type { IncidentRequest } from '../client/manual-incident';
import { UsageError } from '../client/usage-error';
import { readToken } from './operator-token';
import type { Session } from './session';

/** The gateway's base URL: MEND_GATEWAY_URL, approvals.gatewayUrl, or where the config says the gateway listens. */
export function gatewayUrl({ config }: Session, env: NodeJS.ProcessEnv = process.env): string {
  return (env.MEND_GATEWAY_URL || config.approvals.gatewayUrl || `http://${config.gateway.host}:${config.gateway.port}`).replace(/\/$/, '');
}

interface Answer {
  text?: string;
  error?: string;
  incidentId?: string;
  target?: string;
}

/** Posts with the operator's token; bad input (400/404/409) is a UsageError, other failures (5xx) an Error. */
async function post(session: Session, path: string, body: object): Promise<{ status: number; answer: Answer }> {
  const url = `${gatewayUrl(session)}${path}`;
  const token = readToken();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'mend-cli/1' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new Error(`cannot reach the gateway at ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as Answer;
  if (res.status === 400 || res.status === 404 || res.status === 409) throw new UsageError(answer.error ?? `the gateway answered ${res.status}`);
  if (res.status >= 500) throw new Error(`the gateway answered ${res.status}: ${answer.error ?? ''}`);
  return { status: res.status, answer };
}

/** Posts a decision; prints what the workflow recorded. False when it was refused (by the policy or for the token). */
export async function postDecision(session: Session, path: string, body: object): Promise<boolean> {
  const { status, answer } = await post(session, path, body);
  if (status === 202) throw new Error(answer.text);
  session.out(status === 200 ? (answer.text ?? 'done') : `refused: ${answer.error ?? answer.text?.replace(/^refused: /, '') ?? status}`);
  return status === 200;
}

/** Starts an incident as the signed-in operator (its requester). */
export async function postStart(session: Session, request: IncidentRequest): Promise<{ incidentId: string; target: string }> {
  const { status, answer } = await post(session, '/incidents', request);
  if (status !== 201 || !answer.incidentId || !answer.target) throw new Error(`the gateway did not start the incident (${status}): ${answer.error ?? ''}`);
  return { incidentId: answer.incidentId, target: answer.target };
}
