// Game days (`mend drill`): where their records go, how long a drill may take to recover, and how the local stack's
// Prometheus shortens mend's alert rules so that a drill is detected in seconds.
import { z } from 'zod';
import { durationAtLeast, durationSchema as duration } from '../common/schemas';

export const drillsSchema = z
  .object({
    /** Reports, charts, workload outcomes and the history of drill runs. Workers must share this folder. */
    dir: z.string().min(1).default('.mend/drills'),
    /** The workload that measures the business SLI during drills: a pack's, on one of its targets ("shop/shop"). */
    workload: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/, 'expected "<pack>/<target>"')
      .optional(),
    /** The Prometheus whose alerts a drill watches (when it fired). */
    prometheus: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9090'),
    /** A drill not verified this long after its injection is stopped: its incident cancelled, its fault undone. */
    budget: durationAtLeast(10_000, 'at least 10s').default('3m'),
    /** Workload before the injection, so the chart shows the service as it was. */
    baseline: duration.default('5s'),
    /** Workload after the verification (or the undo), so the chart shows the service come back. */
    tail: duration.default('5s'),
    /** The local stack's Prometheus runs the targets' alert rules with each `for:` divided, keeping their order ... */
    alertFor: z
      .object({ divideBy: z.number().min(1).default(30), atLeast: duration.default('5s') })
      .strict()
      .prefault({}),
    /** ... and this range in place of each of their range selectors ([5m] → [20s]). Production keeps the rules' own. */
    alertWindow: durationAtLeast(2_000, 'at least 2s').default('20s'),
  })
  .strict();

export type DrillsConfig = z.output<typeof drillsSchema>;
