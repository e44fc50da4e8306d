// Shared by the MySQL/MariaDB runbooks: the cluster param, activity stubs, GTID progress, and the hand-over steps a
// failover and a switchover share (hooks, repointing, the writer endpoint, the final check).
import { type Duration, errorMessage, type RunbookKit, toMs, z } from 'mend';
import type { MysqlActivities } from '../../actions';
import type { FailoverSettings } from '../../actions/failover';
import type { HookEvent, HookName } from '../../actions/hooks';
import type { ServerState } from '../../actions/health';
import { parseGtids } from '../../actions/gtid';

export const cluster = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/)
  .default('default')
  .describe('MySQL cluster name from config');
export const server = z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port');

/** A cluster's target: the guard lets one runbook at a time act on it. */
export const clusterTarget = (p: { cluster: string }) => `mysql/${p.cluster}`;

/** The MySQL activities under the policy's retries; `options` for the long-running ones. */
export const mysqlActivities = (kit: RunbookKit, options?: Parameters<RunbookKit['activities']>[0]) => kit.activities<MysqlActivities>(options);
type Db = ReturnType<typeof mysqlActivities>;

/** How far a GTID position has come: the sum of each domain's sequence (MariaDB positions are per domain). */
export const gtidProgress = (gtids: string) => parseGtids(gtids).reduce((sum, g) => sum + g.seq, 0);

/** Reachable, writable, and replicating from nobody: a primary. */
export const isWritablePrimary = (s: ServerState | undefined): boolean => !!s?.reachable && s.readOnly === false && !s.replica;

/** The writable primaries: a healthy cluster has exactly one. */
export const writablePrimaries = (servers: ServerState[]) => servers.filter(isWritablePrimary);

/** Replicas sorted by what they received, most first. */
export const byReceived = (replicas: ServerState[]) => [...replicas].sort((a, b) => gtidProgress(b.replica!.receivedGtids) - gtidProgress(a.replica!.receivedGtids));

/**
 * Runs the cluster's hook commands, if it has any. A failed pre-failover hook stops the runbook before any change;
 * post-failover hooks run after the recovery is verified: a failure is noted, never undoes it, and is not the fix.
 */
export async function runHooks(kit: RunbookKit, cluster: string, hook: HookName, settings: FailoverSettings, event: Omit<HookEvent, 'incidentId'>) {
  const count = settings.hooks?.[hook]; // absent in settings read before hooks existed
  if (!count) return;
  const { mysqlRunHooks } = mysqlActivities(kit, { waitsUpTo: count * toMs(settings.hooks!.timeout) });
  const input = { cluster, hook, event: { ...event, incidentId: kit.incidentId } };
  if (hook === 'preFailover') {
    await kit.step(`${hook} hooks`, mysqlRunHooks, input);
    return;
  }
  try {
    const { ran } = await mysqlRunHooks({ ...input, dryRun: kit.dryRun });
    for (const r of ran) kit.note(`${hook} hook ${r.command} ${r.ok ? 'ran' : `failed: ${r.output}`}`);
  } catch (err) {
    kit.note(`${hook} hooks failed: ${errorMessage(err)}`);
  }
}

/** Points each server at the new primary (the activity refuses one that diverged from it). */
export async function repoint(kit: RunbookKit, db: Db, cluster: string, nodes: string[], primary: string) {
  for (const node of nodes) await kit.step(`point ${node} at ${primary}`, db.mysqlReplicateFrom, { cluster, node, source: primary });
}

/** Moves the writer endpoint applications use, when the cluster has one. */
export async function switchWriter(kit: RunbookKit, db: Db, cluster: string, settings: FailoverSettings, writer: string) {
  if (settings.writerEndpoint) await kit.step(`switch the writer endpoint to ${writer}`, db.mysqlSwitchWriter, { cluster, writer });
}

/** Verifies the new primary takes writes and every follower replicates from it with both threads running. */
export async function verifyPrimary(kit: RunbookKit, db: Db, cluster: string, primary: string, followers: string[], within: Duration) {
  await kit.verify(
    `${primary} is a writable primary and every replica follows it`,
    async () => {
      const now = await db.mysqlServers({ cluster });
      const promoted = now.find((s) => s.node === primary);
      const following = followers.map((node) => now.find((s) => s.node === node)!);
      const ok = isWritablePrimary(promoted) && following.every((f) => f.replica?.source === primary && f.replica.ioRunning && f.replica.sqlRunning);
      return {
        ok,
        evidence: now.map((s) => ({ node: s.node, reachable: s.reachable, readOnly: s.readOnly, source: s.replica?.source, io: s.replica?.ioRunning, sql: s.replica?.sqlRunning })),
      };
    },
    { within, every: '500ms' },
  );
}
