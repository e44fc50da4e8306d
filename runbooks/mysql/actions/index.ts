// The mysql pack's actions: connections per configured topology, and diagnosis of mysql/ and mysql-backup/ targets.
import { defineActions, type ActionsOf } from 'mend';
import type { MysqlConfig } from '../config';
import { mysqlActivities } from './activities';
import { MysqlClusters } from './connections';
import { mysqlDiagnosis } from './diagnose';

const actions = defineActions({
  create(config: MysqlConfig) {
    const clusters = new MysqlClusters(config);
    return { ...mysqlActivities(clusters), ...mysqlDiagnosis(clusters) };
  },
  diagnose: { mysql: 'mysqlDiagnose', 'mysql-backup': 'mysqlDiagnose' },
});

export default actions;
export type MysqlActivities = ActionsOf<typeof actions>;
