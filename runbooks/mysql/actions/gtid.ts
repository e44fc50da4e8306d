// MariaDB GTID positions ("domain-server-seq,...") and the errant transactions between two servers. No Node imports.

export interface Gtid {
  domain: number;
  server: number;
  seq: number;
}

export function parseGtids(text: string): Gtid[] {
  return text
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) => {
      const [domain, server, seq] = g.split('-').map(Number);
      return { domain, server, seq };
    });
}

export const formatGtid = (g: Gtid) => `${g.domain}-${g.server}-${g.seq}`;

/**
 * What a replica's binlog state holds that the primary's lacks: transactions written on the replica (or on an old
 * primary) that never reached the primary. Compared per domain and originating server, as MariaDB keeps them.
 */
export function errantGtids(replicaBinlogState: string, primaryBinlogState: string): string[] {
  const primary = parseGtids(primaryBinlogState);
  return parseGtids(replicaBinlogState)
    .filter((r) => {
      const p = primary.find((g) => g.domain === r.domain && g.server === r.server);
      return !p || p.seq < r.seq;
    })
    .map(formatGtid);
}
