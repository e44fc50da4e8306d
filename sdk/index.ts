// mend's authoring API: what a pack imports as `mend`. Workflow-safe: runbook code runs in Temporal's sandbox.
export { z } from 'zod';
export { defineRunbook, type NotNeeded, type RunbookChoice, type RunbookDefinition } from '../workflows/kit/define';
export type { ApprovalAsk, CheckResult, RunbookKit, StepOptions, VerifyOptions } from '../workflows/kit/kit';
export type { LongActivity } from '../workflows/activity-options';
export { needsPeople, refused } from '../workflows/kit/errors';
export { drillMarkSchema as drillMark, durationSchema as duration, envNameSchema as envName } from '../common/schemas';
export { secondsBetween, toMs } from '../common/duration';
export { errorMessage } from '../common/error-message';
export { paced, type Paced } from '../common/paced';
export { nonRetryable } from '../activities/errors';
export { defineActions, type ActionContext, type ActionsDefinition, type ActionsOf, type DiagnoseInput, type FactsOf } from './actions';
export { defineDrills, drillTargets, type DrillScenario, type DrillsDefinition, type DrillWorkload, type Injected, type WorkloadOutcome } from './drills';
export { asRecord, defineConfig, hostOf, targetOfInstance, type ConfigDefinition, type ConfigOf, type Lookup } from './config';
export type { Diagnosis, Duration, Risk, SafetyPolicy, Severity } from '../common/types';
