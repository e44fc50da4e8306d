// What an incident on a MySQL/MariaDB cluster knows before acting: each server's role, state and lag.
import type { DiagnoseInput, Diagnosis } from 'mend';
import type { MysqlClusters } from './connections';
import { healthActivities } from './health';

export function mysqlDiagnosis(clusters: MysqlClusters) {
  return {
    /** A mysql/ or mysql-backup/ target: the cluster's name. */
    mysqlDiagnose: ({ name }: DiagnoseInput) => diagnoseMysql(clusters, name),
  };
}

async function diagnoseMysql(clusters: MysqlClusters, cluster: string): Promise<Diagnosis> {
  const servers = await healthActivities(clusters).mysqlServers({ cluster });
  const line = servers
    .map((s) => {
      if (!s.reachable) return `${s.node} unreachable`;
      if (!s.replica) return `${s.node} ${s.readOnly ? 'read-only, no source' : 'primary'}`;
      const r = s.replica;
      return `${s.node} replica of ${r.source} (IO ${r.ioRunning ? 'on' : `off, errno ${r.lastIoErrno}`}, SQL ${r.sqlRunning ? 'on' : 'off'}, lag ${r.lagSeconds ?? '?'}s)`;
    })
    .join('; ');
  return { summary: `mysql/${cluster}: ${line}`, facts: { servers } };
}
