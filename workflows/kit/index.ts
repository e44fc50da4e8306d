// What runbook authors import.
export { defineRunbook, type NotNeeded, type RunbookDefinition } from './define';
export { RunbookKit, type CheckResult } from './kit';
export { durationSchema as duration } from '../../common/schemas';
