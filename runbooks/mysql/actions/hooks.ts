// Commands an operator runs around a failover or switchover (e.g. tell the load balancer, page the DBA). Each is an
// argv run without a shell, with a bounded time and only PATH, HOME and MEND_* variables: the worker's secrets stay out.
import { nonRetryable, toMs } from 'mend';
import { heartbeating } from 'mend/node';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MysqlClusters } from './connections';
import { programEnv } from './tools';

const run = promisify(execFile);

export type HookName = 'preFailover' | 'postFailover';

export interface HookEvent {
  kind: 'failover' | 'switchover';
  oldPrimary: string;
  newPrimary: string;
  incidentId: string;
}

export interface HookRun {
  command: string;
  ok: boolean;
  /** The end of what it printed, or why it failed. */
  output: string;
}

export function hookActivities(clusters: MysqlClusters) {
  return {
    /**
     * Runs the cluster's commands for this hook, in order. A failing pre-failover command stops the run (nothing is
     * changed yet); post-failover commands all run and their failures are reported, not thrown.
     */
    async mysqlRunHooks({ cluster, hook, event, dryRun }: { cluster: string; hook: HookName; event: HookEvent; dryRun?: boolean }): Promise<{ ran: HookRun[] }> {
      const { hooks } = clusters.failoverSettings(cluster);
      const env = programEnv({
        MEND_HOOK: hook,
        MEND_EVENT: event.kind,
        MEND_CLUSTER: cluster,
        MEND_OLD_PRIMARY: event.oldPrimary,
        MEND_NEW_PRIMARY: event.newPrimary,
        MEND_INCIDENT: event.incidentId,
      });
      const ran: HookRun[] = [];
      for (const [program, ...args] of hooks[hook]) {
        if (dryRun) {
          ran.push({ command: program, ok: true, output: 'planned' });
          continue;
        }
        try {
          const { stdout } = await heartbeating((signal) => run(program, args, { env, signal, timeout: toMs(hooks.timeout), maxBuffer: 1 << 20 }));
          ran.push({ command: program, ok: true, output: tail(stdout) });
        } catch (err) {
          const e = err as { code?: number | string; signal?: string; stderr?: string; killed?: boolean };
          const said = tail(e.stderr ?? '');
          const why = e.killed ? `timed out after ${hooks.timeout}` : `exited ${e.code ?? e.signal}${said ? `: ${said}` : ''}`;
          if (hook === 'preFailover') throw nonRetryable(`${hook} hook ${program} ${why}`);
          ran.push({ command: program, ok: false, output: why });
        }
      }
      return { ran };
    },
  };
}

const tail = (text: string) => text.trim().slice(-300);
