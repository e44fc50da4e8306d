// Row counts and CHECKSUM TABLE of base tables: taken on the source while a backup is made, taken again on its
// restored copy, and compared.
import type { Connection } from 'mysql2/promise';
import { rows } from './connections';

export interface TableName {
  database: string;
  table: string;
}

export interface TableSum extends TableName {
  rows: number;
  checksum: string | null;
}

export interface TableMismatch {
  table: string;
  expected: { rows: number; checksum: string | null };
  /** null: the table is missing from the restored copy. */
  restored: { rows: number; checksum: string | null } | null;
}

const systemDatabases = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Every database but the server's own that this account may see (its grants). */
export async function userDatabases(c: Connection): Promise<string[]> {
  const found = await rows(c, 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?) ORDER BY 1', [systemDatabases]);
  return found.map((r) => String(r.name));
}

/** The base tables (no views, no sequences) of these databases. */
export async function baseTables(c: Connection, databases: string[]): Promise<TableName[]> {
  const found = await rows(
    c,
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2",
    [databases],
  );
  return found.map((r) => ({ database: String(r.db), table: String(r.name) }));
}

/** COUNT(*) and CHECKSUM TABLE ... EXTENDED (a row-by-row checksum) of each table. */
export async function sumTables(c: Connection, tables: TableName[]): Promise<TableSum[]> {
  const sums: TableSum[] = [];
  for (const t of tables) {
    const name = `${quote(t.database)}.${quote(t.table)}`;
    const [count] = await rows(c, `SELECT COUNT(*) AS n FROM ${name}`);
    const [sum] = await rows(c, `CHECKSUM TABLE ${name} EXTENDED`);
    sums.push({ ...t, rows: Number(count.n), checksum: sum.Checksum === null ? null : String(sum.Checksum) });
  }
  return sums;
}

/** The tables whose restored row count or checksum differs from what was expected, or that are missing. */
export function compareSums(expected: TableSum[], restored: TableSum[]): TableMismatch[] {
  const byName = new Map(restored.map((s) => [tableKey(s), s]));
  return expected.flatMap((e) => {
    const r = byName.get(tableKey(e));
    if (r && r.rows === e.rows && r.checksum === e.checksum) return [];
    return [{ table: tableKey(e), expected: { rows: e.rows, checksum: e.checksum }, restored: r ? { rows: r.rows, checksum: r.checksum } : null }];
  });
}

export const tableKey = (t: TableName) => `${t.database}.${t.table}`;

export const totalRows = (sums: TableSum[]) => sums.reduce((total, t) => total + t.rows, 0);
const quote = (identifier: string) => `\`${identifier.replace(/`/g, '``')}\``;
