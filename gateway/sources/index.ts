// Every alert source by name, with the path it posts to.
import type { AlertSource } from '../alert';
import type { SourceName } from '../config-schema';
import { alertmanager } from './alertmanager';
import { generic } from './generic';
import { grafana } from './grafana';
import { zabbix } from './zabbix';

export const alertSources: Record<SourceName, { path: string; source: AlertSource }> = {
  alertmanager: { path: '/alerts/alertmanager', source: alertmanager },
  grafana: { path: '/alerts/grafana', source: grafana },
  zabbix: { path: '/alerts/zabbix', source: zabbix },
  generic: { path: '/alerts', source: generic },
};
