// The Temporal a bench runs on: the dev server, or with BENCH_TEMPORAL=cluster a real cluster on PostgreSQL
// (scripts/temporal-cluster.sh, its data in a fresh folder), with mend's search attributes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../common/dev-server';
import { startTemporalCluster } from '../common/temporal-cluster';
import { ensureSearchAttributes } from '../workers/search-attributes';

export const onCluster = process.env.BENCH_TEMPORAL === 'cluster';

export async function benchTemporal(): Promise<{ address: string; stop(): Promise<void> }> {
  if (!onCluster) return startDevServer();
  const cluster = await startTemporalCluster(join(mkdtempSync(join(tmpdir(), 'mend-bench-')), 'temporal'));
  const connection = await Connection.connect({ address: cluster.address });
  await ensureSearchAttributes(connection, 'default').finally(() => connection.close());
  return cluster;
}
