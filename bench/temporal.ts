// The Temporal a bench runs on: the dev server, or with BENCH_TEMPORAL=cluster a real cluster on PostgreSQL
// (scripts/temporal-cluster.sh, its data in a fresh folder deleted at the end), with mend's search attributes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer } from '../common/dev-server';
import { startTemporalCluster } from '../common/temporal-cluster';
import { ensureSearchAttributes } from '../workers/search-attributes';

export async function benchTemporal(): Promise<{ address: string; stop(): Promise<void> }> {
  if (process.env.BENCH_TEMPORAL !== 'cluster') return startDevServer();
  const dir = mkdtempSync(join(tmpdir(), 'mend-bench-'));
  const cluster = await startTemporalCluster(join(dir, 'temporal'));
  const connection = await Connection.connect({ address: cluster.address });
  await ensureSearchAttributes(connection, 'default').finally(() => connection.close());
  return { address: cluster.address, stop: () => cluster.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
}
