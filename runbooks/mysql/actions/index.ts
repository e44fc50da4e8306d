// The mysql pack's actions: connections per configured topology, and diagnosis of mysql/ and mysql-backup/ targets.
import { asRecord, defineActions, type ActionsOf } from 'mend';
import { mysqlActivities } from './activities';
import { mysqlConfig } from './config';
import { MysqlClusters } from './connections';
import { mysqlDiagnosis } from './diagnose';

const actions = defineActions({
  config: mysqlConfig,
  create(config) {
    const clusters = new MysqlClusters(config);
    return { ...mysqlActivities(clusters), ...mysqlDiagnosis(clusters) };
  },
  diagnose: { mysql: 'mysqlDiagnose', 'mysql-backup': 'mysqlDiagnose' },
  fromEnv(section, env) {
    const { MEND_MYSQL_NODES: nodes, MEND_MYSQL_WRITER_FILE: writer, MEND_MYSQL_BACKUP_DIR: backups } = env;
    if (!nodes && !writer && !backups) return section;
    const clusters = asRecord(section);
    const cluster = asRecord(clusters.default);
    if (nodes) cluster.nodes = nodes.split(',').map((n) => n.trim());
    if (writer) cluster.writerEndpoint = { file: writer };
    if (backups) cluster.backup = { ...asRecord(cluster.backup), dir: backups };
    return { ...clusters, default: cluster };
  },
});

export default actions;
export type MysqlActivities = ActionsOf<typeof actions>;
