// Decisions go through the gateway, which checks the operator's token and tells the workflow who decided: the CLI
// never signals a decision itself (a Temporal client's word on who it is proves nothing).
import { UsageError } from '../client/usage-error';
import { readToken } from './operator-token';
import type { Session } from './session';

/** The gateway's base URL: MEND_GATEWAY_URL, approvals.gatewayUrl, or where the config says the gateway listens. */
export function gatewayUrl({ config }: Session, env: NodeJS.ProcessEnv = process.env): string {
  return (env.MEND_GATEWAY_URL || config.approvals.gatewayUrl || `http://${config.gateway.host}:${config.gateway.port}`).replace(/\/$/, '');
}

/** Posts a decision with the operator's token; prints what the workflow recorded. False when it was refused. */
export async function postDecision(session: Session, path: string, body: object): Promise<boolean> {
  const url = `${gatewayUrl(session)}${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${readToken()}`, 'content-type': 'application/json', 'user-agent': 'mend-cli/1' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new Error(`cannot reach the gateway at ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as { text?: string; error?: string };
  if (res.status === 200 || res.status === 403) {
    session.out(answer.text ?? answer.error ?? `refused (${res.status})`);
    return res.status === 200;
  }
  if (res.status === 401) {
    session.out(`refused: ${answer.error ?? 'not authenticated'}`);
    return false;
  }
  if (res.status === 400 || res.status === 404 || res.status === 409) throw new UsageError(answer.error ?? `the gateway answered ${res.status}`);
  throw new Error(`the gateway answered ${res.status}: ${answer.error ?? ''}`);
}
