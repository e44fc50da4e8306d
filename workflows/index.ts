// Every workflow type the worker serves. Runbooks need no entry: unknown types go to the default export,
// which runs the runbook of that name.
export { incident } from './incident';
export { targetGuard } from './guard';
export { drChecklist } from './dr-checklist';
export { drillRun } from './drill';
export { runbookOutcomes } from './outcome-book';
export { runbookWorkflow as default } from './runbook';
