// Client sessions on one server: capture the processlist and plan what a kill policy allows, then kill exactly the
// planned statements, each re-read just before its KILL. By default only long read-only statements outside a
// write transaction are killed; idle connections, writes, replication and system threads, and mend's own, never.
import { Context } from '@temporalio/activity';
import { shortHash } from 'mend/node';
import type { Connection } from 'mysql2/promise';
import { rows, type MysqlClusters, type Row } from './connections';
import { connectionUse, statementExcerpt, type ConnectionUse } from './health';

export interface KillPolicy {
  /** Only statements running at least this long. */
  olderThanSeconds: number;
  /** Only these users' statements (default: any user's). */
  users?: string[];
}

/** A statement the policy allows to kill, and what it was when planned (the KILL's precondition). */
export interface Victim {
  id: number;
  user: string;
  seconds: number;
  /** The statement's first characters (the full text stays on the server). */
  query: string;
  /** A hash of the full statement text. */
  digest: string;
}

export interface SessionsPlan {
  /** Connections against max_connections, and the longest-running sessions (excerpts). */
  use: ConnectionUse;
  byUser: Record<string, number>;
  /** Sessions per reason the policy keeps them. */
  kept: Record<string, number>;
  kill: Victim[];
  /** How long the oldest statement kept only for being too young has run (seconds). */
  oldestUnderBudget?: number;
}

export interface KillResult {
  killed: Omit<Victim, 'digest'>[];
  /** Dry-run: what would have been killed. */
  wouldKill: Omit<Victim, 'digest'>[];
  /** Ended before mend's KILL reached them (on their own, or by an earlier attempt of this step). */
  gone: number[];
  /** Left alone: now running another statement, or no longer one the policy allows to kill. */
  changed: number[];
}

const shown = 30;
const excerptLength = 100;
// Server-side limit of PROCESSLIST.INFO: a statement this long may be cut, so its text cannot be trusted.
const infoLimit = 65535;
const systemUsers = new Set(['system user', 'event_scheduler', 'unauthenticated user']);
const ER_NO_SUCH_THREAD = 1094;
const underBudget = 'under the time budget';
/** The longest a capture waits for a young statement to come of age. */
const maxWaitSeconds = 60;

const sessionsQuery = `SELECT p.ID, p.USER, p.COMMAND, p.TIME, p.INFO,
    t.trx_rows_modified AS rows_modified, t.trx_lock_structs AS lock_structs
  FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID`;

export function sessionActivities(clusters: MysqlClusters) {
  const planSessions = (cluster: string, node: string, policy: KillPolicy): Promise<SessionsPlan> =>
    clusters.on(cluster, node, async (c) => {
      const use = await connectionUse(c, node, shown); // one connection: the server may be near max_connections
      const self = await whoAmI(c);
      const all = (await rows(c, `${sessionsQuery} ORDER BY p.TIME DESC`)).map((r) => ({ row: r, kept: keptBecause(r, policy, self) }));
      const count = (key: (x: (typeof all)[number]) => string | undefined) =>
        all.reduce<Record<string, number>>((acc, x) => {
          const k = key(x);
          if (k !== undefined) acc[k] = (acc[k] ?? 0) + 1;
          return acc;
        }, {});
      const young = all.filter((x) => x.kept === underBudget).map((x) => Number(x.row.TIME));
      return {
        use,
        byUser: count((x) => String(x.row.USER)),
        kept: count((x) => x.kept),
        kill: all.filter((x) => !x.kept).map(({ row }) => victim(row)),
        oldestUnderBudget: young.length ? Math.max(...young) : undefined,
      };
    });

  return {
    /**
     * The processlist (excerpts only), and the statements the policy allows to kill, read on their full text. When it
     * allows nothing yet but some statements are only too young, it waits (a minute at most) for the oldest of them to
     * come of age and reads again: a surge caught early is still one.
     */
    async mysqlSessions({ cluster, node, olderThanSeconds, users }: { cluster: string; node: string } & KillPolicy): Promise<SessionsPlan> {
      const plan = await planSessions(cluster, node, { olderThanSeconds, users });
      const young = plan.oldestUnderBudget;
      if (plan.kill.length || young === undefined) return plan;
      const ctx = Context.current();
      const waitSeconds = olderThanSeconds - young + 1;
      const leftSeconds = (ctx.info.startToCloseTimeoutMs - (Date.now() - ctx.info.currentAttemptScheduledTimestampMs)) / 1000 - 10;
      if (waitSeconds > Math.min(maxWaitSeconds, leftSeconds)) return plan;
      ctx.heartbeat({ waitingSeconds: waitSeconds });
      await ctx.sleep(waitSeconds * 1000);
      return planSessions(cluster, node, { olderThanSeconds, users });
    },

    /**
     * Kills the planned statements' connections. Each is re-read first and killed only if it still runs the same
     * statement (same text, not restarted) and the policy still allows it; one already gone counts as done.
     */
    async mysqlKillSessions({
      cluster,
      node,
      victims,
      policy,
      dryRun,
    }: {
      cluster: string;
      node: string;
      victims: Pick<Victim, 'id' | 'digest' | 'seconds'>[];
      policy: KillPolicy;
      dryRun?: boolean;
    }): Promise<KillResult> {
      return clusters.on(cluster, node, async (c) => {
        const self = await whoAmI(c);
        const result: KillResult = { killed: [], wouldKill: [], gone: [], changed: [] };
        for (const planned of victims) {
          const [now] = await rows(c, `${sessionsQuery} WHERE p.ID = ?`, [planned.id]);
          if (!now) {
            result.gone.push(planned.id);
            continue;
          }
          const current = victim(now);
          if (current.digest !== planned.digest || current.seconds < planned.seconds || keptBecause(now, policy, self)) {
            result.changed.push(planned.id);
            continue;
          }
          const record = { id: current.id, user: current.user, seconds: current.seconds, query: current.query };
          if (dryRun) {
            result.wouldKill.push(record);
            continue;
          }
          try {
            await c.query('KILL CONNECTION ?', [planned.id]);
            result.killed.push(record);
          } catch (err) {
            if ((err as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw err;
            result.gone.push(planned.id);
          }
        }
        return result;
      });
    },
  };
}

interface Self {
  id: number;
  user: string;
}

async function whoAmI(c: Connection): Promise<Self> {
  const [me] = await rows(c, "SELECT CONNECTION_ID() AS id, SUBSTRING_INDEX(USER(), '@', 1) AS user");
  return { id: Number(me.id), user: String(me.user) };
}

/** Why the policy keeps this session, or undefined when it may be killed. */
function keptBecause(r: Row, policy: KillPolicy, self: Self): string | undefined {
  const user = String(r.USER);
  const command = String(r.COMMAND);
  if (Number(r.ID) === self.id || user === self.user) return 'mend';
  if (command === 'Sleep') return 'idle';
  if (systemUsers.has(user) || /^(Binlog Dump|Daemon|Slave_|Connect)/.test(command)) return 'replication or system thread';
  if (command !== 'Query') return `no statement (${command})`;
  if (policy.users && !policy.users.includes(user)) return 'other user';
  const info = r.INFO === null ? '' : String(r.INFO);
  if (info.length >= infoLimit || !readOnlyStatement(info)) return 'not read-only';
  if (Number(r.rows_modified ?? 0) > 0 || Number(r.lock_structs ?? 0) > 0) return 'in a transaction that wrote or locked rows';
  if (Number(r.TIME) < policy.olderThanSeconds) return underBudget;
  return undefined;
}

/**
 * SELECT, SHOW, EXPLAIN or DESCRIBE that neither locks nor writes: no FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE or
 * INTO anywhere in the text, and (EXPLAIN ANALYZE runs its statement) no data-changing keyword. Conservative: a
 * keyword inside a string literal makes a statement count as a write, and leading comments must be plain ones.
 */
export function readOnlyStatement(sql: string): boolean {
  const text = sql.replace(/^(\s+|\/\*(?!!|M!)[\s\S]*?\*\/|(--\s|#)[^\n]*(\n|$))*/, '');
  const first = /^[A-Za-z]+/.exec(text)?.[0].toUpperCase();
  if (!first || !['SELECT', 'SHOW', 'EXPLAIN', 'DESCRIBE', 'DESC'].includes(first)) return false;
  if (/\b(FOR\s+UPDATE|FOR\s+SHARE|LOCK\s+IN\s+SHARE\s+MODE|INTO)\b/i.test(text)) return false;
  return first !== 'EXPLAIN' || !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(text);
}

function victim(r: Row): Victim {
  const info = String(r.INFO ?? '');
  return { id: Number(r.ID), user: String(r.USER), seconds: Number(r.TIME), query: statementExcerpt(info, excerptLength), digest: shortHash(info) };
}
