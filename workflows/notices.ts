// Notices from workflow code (common/notice.ts): posted without holding up recovery, awaited before the workflow
// returns so none is cut off. Only when the settings name sinks and the 'notifications' patch applies: histories
// recorded before notifications, or without sinks, replay unchanged.
import { getExternalWorkflowHandle, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { changed } from './patches';
import type { Notice, NotifyActivities } from '../common/notice';
import type { NotificationSettings } from '../common/types';
import { workflowLink } from '../common/workflow-link';
import { noticeSignal } from './definitions';

export class Outbox {
  private readonly pending: Promise<unknown>[] = [];

  constructor(private readonly send?: (notice: Notice) => Promise<unknown>) {}

  get enabled(): boolean {
    return !!this.send;
  }

  /** Sends in the background; a failure is the notifier's business (it counts it). */
  post(notice: Notice): void {
    if (this.send) this.keep(this.send(notice));
  }

  /** Something to wait for before the workflow returns (e.g. the progress loop). */
  keep(work: Promise<unknown>): void {
    this.pending.push(work.catch(() => undefined));
  }

  /** Waits for everything posted, including what is posted meanwhile. */
  async flush(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }
}

// patched() is asked once per workflow, here, right where the settings become known.
const notifying = (settings: NotificationSettings | undefined): settings is NotificationSettings => !!settings && changed('notifications');

/** The incident's outbox: the notify activity, bounded by the settings' send timeout and never retried. */
export function notifierOutbox(settings: NotificationSettings | undefined): Outbox {
  if (!notifying(settings)) return new Outbox();
  const { notify } = proxyActivities<NotifyActivities>({ startToCloseTimeout: settings.sendTimeout, retry: { maximumAttempts: 1 } });
  return new Outbox(notify);
}

/** A runbook's outbox: notices are relayed to its incident, which sends them, so a slow sink never delays its result. */
export function relayOutbox(incidentId: string, settings: NotificationSettings | undefined): Outbox {
  if (!notifying(settings)) return new Outbox();
  return new Outbox((notice) => getExternalWorkflowHandle(incidentId).signal(noticeSignal, notice));
}

/** The incident's page in the Temporal UI. */
export function incidentLink(uiUrl: string, incidentId: string): string {
  return workflowLink(uiUrl, workflowInfo().namespace, incidentId);
}
