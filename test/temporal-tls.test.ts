// mend's worker, gateway and CLI on a Temporal frontend that requires mTLS (client certificates from the cluster's
// own CA) and an API key (a JWT its authorizer checks against Dex's published keys; Temporal's default claim mapper
// reads "<namespace>:<role>" from the groups claim). Without a client certificate, or without a key, they are refused.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { startTemporalCluster, type TemporalCluster } from '../common/temporal-cluster';
import { temporalConnection } from '../common/temporal-connection';
import type { MendConfig } from '../config/schema';
import { gatewaySchema } from '../gateway/config-schema';
import { incidentStatusQuery } from '../workflows/definitions';
import { runCli } from './helpers/cli';
import { startDex, type Dex } from './helpers/dex';
import { testConfig } from './helpers/mend';
import { freePort, type RedisServer, scratchDir, startRedis } from './helpers/processes';
import { waitFor } from './helpers/wait';
import { startGatewayProcess, startWorkerProcess, type WorkerProcess, writeConfig } from './helpers/worker-process';

jest.setTimeout(300_000);

const token = `tls-${randomUUID()}`;
let dex: Dex;
let cluster: TemporalCluster;
let redis: RedisServer;
let config: MendConfig;
let apiKey: string;
let file: string;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  [dex, redis] = await Promise.all([startDex(), startRedis()]);
  cluster = await startTemporalCluster(scratchDir('tls-cluster-'), undefined, { tls: true, jwks: `${dex.issuer}/keys`, permissionsClaim: 'groups' });
  apiKey = await dex.token('mend-worker');
  config = testConfig(redis.url, {}, 't', false);
  Object.assign(config.temporal, { address: cluster.address, taskQueue: `tls-${randomUUID()}`, tls: { ...cluster.tls!, disabled: false } });
  const routes = [{ matchers: ['alertname="RedisMemoryHigh"'], runbook: 'redis-memory-relief', params: { redis: '{{ labels.redis }}', pattern: 'session:*' } }];
  config.gateway = gatewaySchema.parse({ port: await freePort(), sources: { generic: { tokenEnv: 'MEND_TLS_TOKEN' } }, routes, packRoutes: false });
  file = writeConfig(config, scratchDir('tls-mend-'), 'mend');
}, 600_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await cluster?.stop();
  await Promise.all([dex?.stop(), redis?.stop()]);
});

/** A RedisMemoryHigh alert on a Redis name, posted to a gateway. */
const postAlert = (port: number, redis: string) =>
  fetch(`http://127.0.0.1:${port}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ alerts: [{ labels: { alertname: 'RedisMemoryHigh', redis } }] }),
  });

test('the worker, the gateway and the CLI connect with their client certificate and API key: an alert becomes an incident', async () => {
  const env = { TEMPORAL_API_KEY: apiKey };
  processes.push(await startWorkerProcess(file, env), await startGatewayProcess(file, { ...env, MEND_TLS_TOKEN: token }));
  const reply = await postAlert(config.gateway.port, 't-0');
  expect(reply.status).toBe(202);
  const { incidents } = (await reply.json()) as { incidents: { incidentId: string }[] };
  const client = new Client({ connection: await Connection.connect(temporalConnection(config.temporal, env)) });
  try {
    // The worker ran it: it diagnosed the target (maxmemory is unlimited) and stood down.
    const view = await waitFor(async () => (await client.workflow.getHandle(incidents[0].incidentId).query(incidentStatusQuery)).record, 'the incident to end');
    expect(view.status).toBe('not-needed');
  } finally {
    await client.connection.close();
  }
  process.env.TEMPORAL_API_KEY = apiKey;
  try {
    const status = await runCli(config, 'status', incidents[0].incidentId);
    expect(status).toMatchObject({ code: 0, out: expect.stringContaining(incidents[0].incidentId) });
  } finally {
    delete process.env.TEMPORAL_API_KEY;
  }
});

test('without a client certificate, or without an API key, they are refused', async () => {
  const { caFile, serverName } = cluster.tls!;
  // No client certificate: the TLS handshake fails.
  const noCert = Connection.connect({
    address: cluster.address,
    tls: { serverRootCACertificate: readFileSync(caFile), serverNameOverride: serverName },
    apiKey,
    connectTimeout: '3s',
  });
  await expect(noCert).rejects.toThrow();
  const noCertConfig = { ...config, temporal: { ...config.temporal, tls: { caFile, serverName, disabled: false } } };
  noCertConfig.gateway = { ...config.gateway, port: await freePort() };
  const noCertFile = writeConfig(noCertConfig, scratchDir('tls-nocert-'), 'mend');
  await expect(startWorkerProcess(noCertFile, { TEMPORAL_API_KEY: apiKey })).rejects.toThrow();
  // The gateway starts without Temporal and answers 503: it never gets through.
  const gateway = await startGatewayProcess(noCertFile, { TEMPORAL_API_KEY: apiKey, MEND_TLS_TOKEN: token });
  processes.push(gateway);
  expect((await postAlert(noCertConfig.gateway.port, 't-1')).status).toBe(503);
  process.env.TEMPORAL_API_KEY = apiKey;
  try {
    expect(await runCli(noCertConfig, 'incidents')).toMatchObject({ code: 1, err: expect.stringMatching(/^mend: cannot reach Temporal at /) });
  } finally {
    delete process.env.TEMPORAL_API_KEY;
  }
  // A certificate but no key: every call but the health check is unauthorized.
  const noKey = await Connection.connect(temporalConnection(config.temporal, {}));
  try {
    await expect(new Client({ connection: noKey }).workflow.count()).rejects.toMatchObject({ cause: { message: expect.stringMatching(/Request unauthorized/) } });
  } finally {
    await noKey.close();
  }
  const cli = await runCli(config, 'incidents');
  expect(cli.code).toBe(1);
  expect(cli.err).toMatch(/unauthorized/i);
});
