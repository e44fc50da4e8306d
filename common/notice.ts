// What mend tells people, and how: the contract between workflows (which decide when) and the notifier activity
// (which sends to the configured sinks). Small and plain: it goes through workflow history. No Node imports.
import type { Severity } from './types';

export const noticeKinds = ['opened', 'approval-needed', 'action-taken', 'recovered', 'failed', 'escalated', 'rto-at-risk', 'progress'] as const;
export type NoticeKind = (typeof noticeKinds)[number];

export interface Notice {
  kind: NoticeKind;
  /** The incident (or DR run) workflow id. */
  incidentId: string;
  severity: Severity;
  /** One line, e.g. "mysql-primary-failover on mysql/default: recovered in 1.2 s". */
  title: string;
  /** Details in plain text (a few lines at most). */
  text?: string;
  target?: string;
  /** An approval-needed notice: until when it is asked (its chat buttons answer this request alone). */
  asked?: string;
}

/** The notifier activity the worker registers; sinks, routing by severity and retries are its business. */
export interface NotifyActivities {
  /** Sends the notice to every sink routed for its severity. Never throws: a failing sink is counted and reported. */
  notify(notice: Notice): Promise<{ sent: string[]; failed: string[] }>;
}
