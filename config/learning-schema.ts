// The `learning` section: when an incident skips a rung that keeps failing for the alert that opened it.
import { z } from 'zod';
import { toMs } from '../common/duration';
import { durationAtLeast } from '../common/schemas';
import type { LearningSettings } from '../workflows/learning';

export const learningSchema = z
  .object({
    /** false: every incident climbs its whole ladder; outcomes are still recorded. */
    skipFailingRungs: z.boolean().default(true),
    /** The latest attempts of a runbook on a signature that are judged. */
    window: z.number().int().min(1).max(20).default(5),
    /** A rung is skipped when none of at least this many recent attempts recovered the signature. */
    minSample: z.number().int().min(1).default(3),
    /** Attempts older than this are forgotten: a skipped rung is tried again once they are. */
    memory: durationAtLeast(60_000, 'at least 1m').default('7d'),
  })
  .strict()
  .refine((l) => l.minSample <= l.window, { message: 'minSample cannot exceed window', path: ['minSample'] })
  .describe('how incidents learn from recorded outcomes');

/** The settings learning runs with, in milliseconds. */
export function learningSettings({ window, minSample, memory }: z.infer<typeof learningSchema>): LearningSettings {
  return { window, minSample, memoryMs: toMs(memory) };
}
