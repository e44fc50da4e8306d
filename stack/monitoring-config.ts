// The local stack's Prometheus and Alertmanager configs: scrape jobs, rule files, and mend's shipped receiver
// (deploy/alertmanager/alertmanager.yml) pointed at the gateway with quick grouping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../common/project-root';

/** One scrape target: its address and the labels its series get (instance, mysql_cluster, redis, ...). */
export interface ScrapeTarget {
  address: string;
  labels?: Record<string, string>;
}

export interface PrometheusPlan {
  /** Job name → targets. */
  jobs: Record<string, ScrapeTarget[]>;
  ruleFiles: string[];
  alertmanager?: string;
  /** kube-state-metrics' jobs: its own labels (namespace, pod, ...) are kept as they are. */
  honorLabels?: string[];
  interval: string;
}

export function prometheusConfig(plan: PrometheusPlan): string {
  return stringify({
    global: { scrape_interval: plan.interval, evaluation_interval: plan.interval },
    rule_files: plan.ruleFiles,
    ...(plan.alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [plan.alertmanager] }] }] } } : {}),
    scrape_configs: Object.entries(plan.jobs).map(([job, targets]) => ({
      job_name: job,
      ...(plan.honorLabels?.includes(job) ? { honor_labels: true } : {}),
      static_configs: targets.map((t) => ({ targets: [t.address], ...(t.labels ? { labels: t.labels } : {}) })),
    })),
  });
}

export interface AlertmanagerTiming {
  group_wait: string;
  group_interval: string;
}

/** The shipped receiver posting to `webhookUrl` with the bearer token in `tokenFile`. */
export function alertmanagerConfig(webhookUrl: string, tokenFile: string, timing: AlertmanagerTiming): string {
  const config = parse(readFileSync(join(projectRoot(), 'deploy', 'alertmanager', 'alertmanager.yml'), 'utf8'));
  Object.assign(config.route, timing);
  const webhook = config.receivers[0].webhook_configs[0];
  webhook.url = webhookUrl;
  webhook.http_config.authorization.credentials_file = tokenFile;
  return stringify(config);
}
