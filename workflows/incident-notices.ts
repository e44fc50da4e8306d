// What an incident tells people (common/notice.ts) and when: opened, progress while open, a failed attempt, how it
// ended, and its runbooks' notices relayed. A few short lines each: notices go through workflow history.
import { condition, setHandler } from '@temporalio/workflow';
import { secondsBetween } from '../common/duration';
import type { Notice, NoticeKind } from '../common/notice';
import type { IncidentStatus, NotificationSettings, RecoveryRecord, RunbookResult } from '../common/types';
import { noticeSignal, type IncidentView } from './definitions';
import { incidentLink, notifierOutbox, type Outbox } from './notices';

type About = Pick<Notice, 'incidentId' | 'severity' | 'target'>;

/** The kinds a runbook may relay through its incident. */
const relayed: readonly string[] = ['approval-needed', 'action-taken'] satisfies NoticeKind[];

export class IncidentNotices {
  private over = false;
  private runbookNews?: string;
  private readonly link: string;
  private readonly outbox: Outbox;

  /** No settings (no sinks, or a dry-run): nothing is sent. */
  constructor(
    private readonly settings: NotificationSettings | undefined,
    private readonly about: () => About,
    private readonly view: () => IncidentView,
    private readonly detectedAt: string,
  ) {
    this.outbox = notifierOutbox(settings); // asks the 'notifications' patch, once, as the settings become known
    this.link = settings ? incidentLink(settings.uiUrl, about().incidentId) : '';
  }

  get enabled(): boolean {
    return this.outbox.enabled;
  }

  /** Says the incident is open, then where it stands every progressEvery until it ends; relays its runbooks' notices. */
  opened(runbook: string, ladder: string[], diagnosis: string): void {
    if (!this.outbox.enabled || !this.settings) return;
    setHandler(noticeSignal, (notice) => this.relay(notice), {
      description: 'A notice from the running runbook (approval needed, action taken), sent on to the notification sinks',
    });
    this.outbox.post(openedNotice(this.about(), runbook, ladder, diagnosis, this.link));
    this.outbox.keep(this.progress(this.settings));
  }

  attempted(result: RunbookResult): void {
    if (result.status === 'failed') this.outbox.post(attemptFailedNotice(this.about(), result));
  }

  /** Stops the progress notices and says how the incident ended. */
  ended(record: RecoveryRecord): void {
    this.over = true;
    const notice = endNotice(this.about(), record, this.link);
    if (notice) this.outbox.post(notice);
  }

  /** The incident itself failed (not one of its runbooks): stops the progress notices and says why. */
  crashed(reason: string): void {
    this.over = true;
    this.outbox.post({ ...this.about(), kind: 'failed', title: `Incident on ${this.about().target}: failed`, text: lines(reason, this.link) });
  }

  /** Waits for every notice sent: called just before the incident returns. */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  // Anyone may signal: only the kinds a runbook sends, only their text (and request), about this incident.
  private relay(notice: Notice): void {
    if (!relayed.includes(notice?.kind)) return;
    this.runbookNews = String(notice.title);
    const { kind, text, asked } = notice;
    this.outbox.post({ kind, title: this.runbookNews, ...(text && { text: String(text) }), ...(asked && { asked: String(asked) }), ...this.about() });
  }

  // A durable timer loop; the timer is cancelled when the incident ends.
  private async progress({ progressEvery }: NotificationSettings): Promise<void> {
    while (!(await condition(() => this.over, progressEvery))) {
      this.outbox.post(progressNotice(this.about(), this.view(), this.detectedAt, this.runbookNews, this.link));
    }
  }
}

const lines = (...parts: (string | undefined)[]): string => parts.filter(Boolean).join('\n');

function openedNotice(about: About, runbook: string, ladder: string[], diagnosis: string, link: string): Notice {
  return {
    ...about,
    kind: 'opened',
    title: `Incident on ${about.target}: opened, running ${runbook}`,
    text: lines(`Diagnosis: ${diagnosis}`, `Ladder: ${ladder.join(' → ')} → people`, link),
  };
}

/** Where the incident stands, sent even when nothing changed: no progress is also progress. */
function progressNotice(about: About, view: IncidentView, detectedAt: string, runbookNews: string | undefined, link: string): Notice {
  const last = view.timeline[view.timeline.length - 1];
  const { approval } = view;
  const waitingFor = approval ? `approval from ${approval.approvers.join(', ')} (${approval.approvedBy.length}/${approval.quorum})` : view.waitingFor;
  return {
    ...about,
    kind: 'progress',
    title: `Incident on ${about.target}: still ${view.status}`,
    text: lines(
      `Open for ${elapsed(detectedAt)}${waitingFor ? `, waiting for ${waitingFor}` : ''}.`,
      runbookNews && `Runbook: ${runbookNews}`,
      last && `Last event: ${last.event}${last.detail ? ` (${last.detail})` : ''} at ${last.at}`,
      link,
    ),
  };
}

function attemptFailedNotice(about: About, result: RunbookResult): Notice {
  const undone = result.steps.filter((s) => s.status === 'undone').length;
  return {
    ...about,
    kind: 'failed',
    title: `${result.runbook} on ${about.target}: failed`,
    text: lines(result.reason, undone ? `${undone} step(s) undone` : undefined),
  };
}

const endKinds: Partial<Record<IncidentStatus, NoticeKind>> = {
  recovered: 'recovered',
  'not-needed': 'recovered',
  'stood-down': 'recovered',
  escalated: 'escalated',
  refused: 'escalated',
  rejected: 'failed',
};

/** How the incident ended; none for a dry-run's plan. */
function endNotice(about: About, record: RecoveryRecord, link: string): Notice | undefined {
  const kind = endKinds[record.status];
  if (!kind) return undefined;
  const by = record.attempts.find((a) => a.status === 'verified')?.runbook;
  const title =
    record.status === 'recovered'
      ? `Incident on ${about.target}: recovered by ${by}${record.mttrSeconds === undefined ? '' : ` (MTTR ${record.mttrSeconds.toFixed(1)} s)`}`
      : `Incident on ${about.target}: ${record.status}`;
  return { ...about, kind, title, text: lines(record.reason, kind === 'escalated' ? `People take it from here: ${link}` : link) };
}

function elapsed(since: string): string {
  const s = Math.round(secondsBetween(since, Date.now()));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}
