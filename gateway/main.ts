// The gateway process: `node dist/gateway/main.js`. It starts without Temporal (answering 503 until it is back);
// SIGINT or SIGTERM stops taking requests, finishes those in flight, and exits.
import { jsonLog, logLine } from '../common/json-log';
import { loadConfig } from '../config/load';
import { temporalConnection } from '../common/temporal-connection';
import { describeStartError } from '../config/start-error';
import { gatewayClient } from './connection';
import { createGateway } from './server';

async function main(): Promise<void> {
  const log = jsonLog();
  const config = loadConfig();
  const { address, namespace } = config.temporal;
  const client = gatewayClient(temporalConnection(config.temporal), namespace);
  const app = createGateway({ config, client, log });
  const { host, port, sources, routes } = config.gateway;
  const url = await app.listen({ host, port });
  logLine('INFO', 'mend gateway ready', { url, temporal: address, namespace, sources: Object.keys(sources), routes: routes.length });
  const stop = async (signal: string) => {
    log('INFO', 'mend gateway stopping', { signal });
    await app.close();
    await client.connection.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(describeStartError(err));
  process.exit(1);
});
