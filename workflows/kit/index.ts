// What runbook authors import.
export { defineRunbook, type NotNeeded, type RunbookChoice, type RunbookDefinition } from './define';
export { RunbookKit, type CheckResult } from './kit';
export { needsPeople, refused } from './errors';
export { durationSchema as duration } from '../../common/schemas';
