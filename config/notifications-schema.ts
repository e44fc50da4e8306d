// Where mend sends notices (common/notice.ts): named sinks, routed by severity and kind. Secrets by env var name.
import { z } from 'zod';
import { noticeKinds } from '../common/notice';
import { durationAtLeast, envNameSchema as envName } from '../common/schemas';
import { severities } from '../common/types';

const sinkSchema = z
  .object({
    kind: z.enum(['slack', 'webhook']).describe('slack: a Slack-compatible incoming webhook; webhook: the notice as JSON'),
    url: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'expected an http(s) URL')
      .optional(),
    urlEnv: envName.optional().describe('env var holding the URL'),
    tokenEnv: envName.optional().describe('env var holding a bearer token (webhook)'),
    severities: z
      .array(z.enum(severities))
      .min(1)
      .default([...severities]),
    /** Only these kinds of notice; all when absent. */
    kinds: z.array(z.enum(noticeKinds)).min(1).optional(),
  })
  .strict()
  .refine((s) => !!s.url !== !!s.urlEnv, { message: 'give url or urlEnv, not both' })
  .refine((s) => s.kind !== 'slack' || !s.url, { path: ['url'], message: "a Slack webhook's URL is a secret: give urlEnv" })
  .refine((s) => s.kind !== 'slack' || !s.tokenEnv, { path: ['tokenEnv'], message: 'a Slack incoming webhook takes no token' });

export const notificationsSchema = z
  .object({
    /** No sinks: notifications are off. */
    sinks: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), sinkSchema).default({}),
    /** How often an open incident says where it stands, even when nothing changed. */
    progressEvery: durationAtLeast(1000, 'at least 1s').default('15m'),
    /** One request to a sink. */
    timeout: durationAtLeast(100, 'at least 100ms').default('5s'),
    /** Requests per notice and sink before it counts as failed. */
    attempts: z.number().int().min(1).max(5).default(3),
  })
  .strict();

export type NotificationsConfig = z.infer<typeof notificationsSchema>;
export type SinkConfig = NotificationsConfig['sinks'][string];
