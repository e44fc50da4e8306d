// zod pieces shared by config and runbook params.
import { z } from 'zod';
import { isDuration, toMs } from './duration';
import type { Duration } from './types';

export const durationSchema = z
  .union([z.string(), z.number()])
  .refine(isDuration, { message: "expected a duration such as 500, '30s', '5m' or '1h'" }) as unknown as z.ZodType<Duration>;

/** A duration of at least `ms`; a value that is no duration gets the duration message only. */
export const durationAtLeast = (ms: number, message: string) => durationSchema.refine((d) => !isDuration(d) || toMs(d) >= ms, message) as unknown as z.ZodType<Duration>;

export const envNameSchema = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the name of an environment variable');

const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A size in bytes: a number, or text such as '512KiB' or '1MiB'. */
export const byteSizeSchema = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(B|KiB|MiB|GiB)$/, "expected a size such as 1048576, '512KiB' or '1MiB'")
    .transform((s) => {
      const [, n, unit] = /^(\d+)(\w+)$/.exec(s)!;
      return Number(n) * units[unit];
    }),
]);

/** A target's `drill:` in config: `allowed` lets `mend drill` break it; without it, drills are refused. */
export const drillMarkSchema = z.literal('allowed').optional().describe('allowed: `mend drill` may inject faults here');
