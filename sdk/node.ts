// Node-only helpers for a pack's actions, imported as `mend/node` (never from runbook code).
export { shortHash } from '../common/short-hash';
export { heartbeating, reportProgress } from './heartbeating';
