// The two kinds of sink: a Slack-compatible incoming webhook and a generic JSON webhook. Each turns a notice into
// an HTTP request. Secrets (a Slack URL, tokens) are read from the environment once, at start, and never logged.
import type { Notice, NoticeKind } from '../common/notice';
import { ConfigError } from '../config/load';
import type { NotificationsConfig, SinkConfig } from '../config/notifications-schema';

export interface SinkRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Sink {
  name: string;
  accepts(notice: Notice): boolean;
  request(notice: Notice): SinkRequest;
}

/** Builds every configured sink; a missing or bad env var is a start-up error naming the variable, not its value. */
export function createSinks(config: NotificationsConfig, env: NodeJS.ProcessEnv): Sink[] {
  return Object.entries(config.sinks).map(([name, sink]) => {
    const secret = (field: string, variable: string): string => {
      const value = env[variable];
      if (!value) throw new ConfigError('(environment)', [`notifications.sinks.${name}.${field}: environment variable ${variable} is not set`]);
      return value;
    };
    const url = sink.url ?? secret('urlEnv', sink.urlEnv!);
    if (!/^https?:\/\/[^\s]+$/.test(url)) {
      throw new ConfigError('(environment)', [`notifications.sinks.${name}.urlEnv: ${sink.urlEnv} does not hold an http(s) URL`]);
    }
    const token = sink.tokenEnv ? secret('tokenEnv', sink.tokenEnv) : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) };
    return {
      name,
      accepts: (notice) => routed(sink, notice),
      request: (notice) => ({ url, headers, body: JSON.stringify(sink.kind === 'slack' ? slackMessage(notice) : notice) }),
    };
  });
}

function routed(sink: SinkConfig, notice: Notice): boolean {
  return sink.severities.includes(notice.severity) && (!sink.kinds || sink.kinds.includes(notice.kind));
}

const marks: Record<NoticeKind, string> = {
  opened: ':rotating_light:',
  'approval-needed': ':raised_hand:',
  'action-taken': ':wrench:',
  recovered: ':white_check_mark:',
  failed: ':x:',
  escalated: ':sos:',
  'rto-at-risk': ':hourglass_flowing_sand:',
  progress: ':arrows_counterclockwise:',
};

/**
 * Slack's incoming-webhook message: a fallback `text` and blocks (title and details, then severity, kind, ids; an
 * approval asked: its buttons).
 */
export function slackMessage(notice: Notice): { text: string; blocks: unknown[] } {
  const mark = marks[notice.kind] ?? ':grey_question:';
  const head = `${mark} *${escapeMrkdwn(notice.title)}*`;
  const context = [notice.severity, notice.kind, notice.target, notice.incidentId].filter(Boolean).map((s) => escapeMrkdwn(String(s)));
  return {
    text: `${mark} ${escapeMrkdwn(notice.title)}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(notice.text ? `${head}\n${escapeMrkdwn(notice.text)}` : head, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(context.join(' · '), 2000) }] },
      ...(notice.kind === 'approval-needed' ? [approvalButtons(notice)] : []),
    ],
  };
}

/**
 * Approve and Reject, answered by the gateway's /chat/slack/interactions as the clicking user's mapped identity; for
 * this request only (its deadline names it): a click kept for later does not answer another.
 */
const approvalButtons = ({ incidentId, asked }: Notice) => {
  const value = JSON.stringify({ incident: incidentId, asked });
  return {
    type: 'actions',
    block_id: 'mend-approval',
    elements: [
      { type: 'button', action_id: 'approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
      { type: 'button', action_id: 'reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
    ],
  };
};

// Slack's mrkdwn gives &, < and > a meaning.
const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
