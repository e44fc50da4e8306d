// zod pieces shared by config and runbook params.
import { z } from 'zod';
import { isDuration } from './duration';
import type { Duration } from './types';

export const durationSchema = z
  .union([z.string(), z.number()])
  .refine(isDuration, { message: "expected a duration such as 500, '30s', '5m' or '1h'" }) as unknown as z.ZodType<Duration>;
