// Runs mend's worker process until SIGINT/SIGTERM drains it: config, Temporal connections, metrics, activities.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type WorkerInterceptors } from '@temporalio/worker';
import { logLine } from '../common/json-log';
import { loadConfig } from '../config/load';
import { temporalConnection } from '../common/temporal-connection';
import { toMs } from '../common/duration';
import { MendMetrics } from './metrics';
import { ensureSearchAttributes } from './search-attributes';
import { createMendWorker } from './worker';

/** `polling`, if given, holds the ready worker back until it resolves (a standby worker). */
export async function runWorker(interceptors?: WorkerInterceptors, polling?: Promise<void>): Promise<void> {
  Runtime.install({
    logger: new DefaultLogger((process.env.MEND_LOG_LEVEL as 'INFO') ?? 'INFO', ({ level, message, meta, timestampNanos }) =>
      logLine(level, message, meta, new Date(Number(timestampNanos / 1_000_000n))),
    ),
  });
  const config = loadConfig();
  const { address, namespace, taskQueue } = config.temporal;
  const reach = temporalConnection(config.temporal);
  const clientConnection = await Connection.connect(reach);
  const added = config.temporal.searchAttributes ? await ensureSearchAttributes(clientConnection, namespace) : [];
  const client = new Client({ connection: clientConnection, namespace });
  const connection = await NativeConnection.connect(reach);
  const metrics = new MendMetrics();
  const { server, port } = await metrics.serve(config.metrics.host, config.metrics.port);
  const stopCounting = config.temporal.searchAttributes ? metrics.watchApprovals(client, taskQueue, toMs(config.metrics.approvalsEvery)) : undefined;
  const { run } = await createMendWorker({
    config,
    connection,
    client,
    metrics,
    interceptors,
  });
  logLine('INFO', 'mend worker ready', {
    temporal: address,
    namespace,
    taskQueue,
    metrics: `http://${config.metrics.host}:${port}/metrics`,
    searchAttributesAdded: added,
  });
  try {
    await polling;
    await run();
  } finally {
    stopCounting?.();
    server.close();
    await connection.close();
    await clientConnection.close();
  }
}
