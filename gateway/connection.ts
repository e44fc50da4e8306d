// The gateway's Temporal connection: made lazily, so the gateway starts (and answers 503) while Temporal is down,
// and reconnecting quickly once it is back, while senders retry.
import { Client, Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../common/temporal-connection';

export function gatewayClient(reach: TemporalConnectionOptions, namespace: string): Client {
  const connection = Connection.lazy({
    ...reach,
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
  });
  return new Client({ connection, namespace });
}
