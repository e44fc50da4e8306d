// Where applications find the writer. Pluggable: this implementation is a JSON file the application reloads
// ({"writer": "host:port", "cluster": "...", "since": "..."}), replaced atomically so a reader never sees half of it.
import { nonRetryable } from 'mend';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { MysqlClusters } from './connections';

export interface WriterEndpoint {
  writer: string;
  cluster: string;
  since: string;
}

export function writerEndpointActivities(clusters: MysqlClusters) {
  return {
    /** Points the cluster's writer endpoint at `writer`; returns the writer it named before. Idempotent. */
    async mysqlSwitchWriter({ cluster, writer, dryRun }: { cluster: string; writer: string; dryRun?: boolean }): Promise<{ previous?: string; changed: boolean }> {
      const endpoint = clusters.failoverSettings(cluster).writerEndpoint;
      if (!endpoint) throw nonRetryable(`MySQL cluster "${cluster}" has no writerEndpoint in config`);
      clusters.member(cluster, writer);
      const previous = await readWriter(endpoint.file);
      if (previous === writer) return { previous, changed: false };
      if (!dryRun) {
        const next: WriterEndpoint = { writer, cluster, since: new Date().toISOString() };
        await writeFile(`${endpoint.file}.tmp`, `${JSON.stringify(next)}\n`, { mode: 0o644 });
        await rename(`${endpoint.file}.tmp`, endpoint.file);
      }
      return { previous, changed: true };
    },
  };
}

async function readWriter(file: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as WriterEndpoint).writer;
  } catch {
    return undefined;
  }
}
