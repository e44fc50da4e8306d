// A real HTTP receiver for notification tests, on 127.0.0.1. It stands in for Slack's incoming webhooks (which
// cannot run here: /slack/... answers "ok" like Slack does), for a generic webhook with a bearer token (/hook), and
// for a sink that hangs (/hang reads the request and never answers).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notice } from '../../common/notice';

export interface Delivery {
  path: string;
  authorization?: string;
  body: Record<string, unknown>;
}

export interface SlackBody {
  text: string;
  blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[];
}

export class NoticeReceiver {
  readonly deliveries: Delivery[] = [];
  private server?: Server;

  constructor(private readonly token: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        this.deliveries.push({ path, authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        if (path === '/hang') return;
        if (path === '/hook' && req.headers.authorization !== `Bearer ${this.token}`) return void res.writeHead(401).end();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((ok) => this.server?.close(ok));
  }

  /** Slack messages about an incident (the context line names it). */
  slack(incidentId: string): SlackBody[] {
    return this.deliveries
      .filter((d) => d.path.startsWith('/slack/') && d.body.blocks && JSON.stringify(d.body.blocks).includes(incidentId))
      .map((d) => d.body as unknown as SlackBody);
  }

  /** Notices posted as JSON to a path, about an incident. */
  notices(path: string, incidentId: string): (Notice & { authorization?: string })[] {
    return this.deliveries.filter((d) => d.path === path && d.body.incidentId === incidentId).map((d) => ({ ...(d.body as unknown as Notice), authorization: d.authorization }));
  }
}
