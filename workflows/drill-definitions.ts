// How the CLI starts a drill run, and what its progress query answers.
import { defineQuery } from '@temporalio/workflow';
import type { DrillResult } from '../drills/result';

export interface DrillInput {
  /** The drills, in order: a scenario and, when several targets allow it, which. */
  scenarios?: { scenario: string; target?: string }[];
  /** Every scenario on each of its targets marked `drill: allowed` (`mend drill --all`). */
  all?: boolean;
  /** Each drill's budget instead of the config's drills.budget, e.g. "90s". */
  budget?: string;
}

export interface DrillProgress {
  runId: string;
  scenarios: { scenario: string; target?: string }[];
  /** The drills so far, the current one last (filled in as it goes). */
  drills: DrillResult[];
  /** What the run does now. */
  current?: string;
}

export const drillProgressQuery = defineQuery<DrillProgress>('progress');
