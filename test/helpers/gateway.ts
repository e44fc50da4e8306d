// mend's gateway in the test process, on a free port, in front of a test worker's task queue.
import { createHmac, randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { LogLevel } from '../../common/json-log';
import type { MendConfig } from '../../config/schema';
import { gatewaySchema } from '../../gateway/config-schema';
import { gatewayClient } from '../../gateway/connection';
import { GatewayMetrics } from '../../gateway/metrics';
import { createGateway } from '../../gateway/server';

export const token = `test-${randomBytes(12).toString('hex')}`;
export const hmacSecret = randomBytes(16).toString('hex');

/** Every source on, with a bearer token; Grafana and generic also check an HMAC signature with a timestamp. */
const sources = {
  alertmanager: { tokenEnv: 'MEND_TEST_TOKEN' },
  grafana: { tokenEnv: 'MEND_TEST_TOKEN', hmac: { secretEnv: 'MEND_TEST_HMAC', timestampHeader: 'X-Grafana-Alerting-Timestamp' } },
  zabbix: { tokenEnv: 'MEND_TEST_TOKEN' },
  generic: { tokenEnv: 'MEND_TEST_TOKEN' },
};

export interface LogLine {
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface Gateway {
  url: string;
  app: FastifyInstance;
  client: Client;
  metrics: GatewayMetrics;
  logs: LogLine[];
  /** Posts JSON (or raw text) with the bearer token, unless headers say otherwise. */
  post(path: string, body: unknown, options?: { headers?: Record<string, string>; raw?: string | Buffer }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startGateway(config: MendConfig, gateway: Record<string, unknown> = {}, options: { address?: string } = {}): Promise<Gateway> {
  const full: MendConfig = { ...config, gateway: gatewaySchema.parse({ port: 0, sources, packRoutes: false, ...gateway }) };
  const client = gatewayClient({ address: options.address ?? config.temporal.address }, config.temporal.namespace);
  const logs: LogLine[] = [];
  const metrics = new GatewayMetrics();
  const app = createGateway({
    config: full,
    client,
    metrics,
    log: (level, message, fields) => void logs.push({ level, message, fields }),
    env: { ...process.env, MEND_TEST_TOKEN: token, MEND_TEST_HMAC: hmacSecret },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    client,
    metrics,
    logs,
    async post(path, body, { headers = {}, raw } = {}) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body: raw ?? JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await app.close();
      // Incidents stay open until their alert resolves: end those this test left, as its worker is going away.
      const left = client.workflow.list({ query: `TaskQueue = '${config.temporal.taskQueue}' AND ExecutionStatus = 'Running'` });
      try {
        for await (const wf of left) {
          await client.workflow
            .getHandle(wf.workflowId)
            .terminate('test over')
            .catch(() => undefined);
        }
      } catch (err) {
        // The time-skipping server lists nothing (its tests end their own workflows).
        if ((err as { cause?: { code?: number } }).cause?.code !== 12) throw err;
      }
      await client.connection.close();
    },
  };
}

/** Grafana's signature headers for a body: hex HMAC-SHA256 of "<unix seconds>:<body>". */
export function grafanaSignature(body: string, secret = hmacSecret, at = Date.now()): Record<string, string> {
  const stamp = String(Math.floor(at / 1000));
  const signature = createHmac('sha256', secret).update(`${stamp}:${body}`).digest('hex');
  return { 'X-Grafana-Alerting-Signature': signature, 'X-Grafana-Alerting-Timestamp': stamp };
}

/** Workflows started on a task queue: the gateway must start none for a rejected request. */
export async function workflowsOn(client: Client, taskQueue: string): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = '${taskQueue}'`);
  return count;
}

/** Ids of the workflows a visibility query finds. */
export async function workflowIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}
