// mend's search attributes: the Temporal UI and `mend incidents` filter on them.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const runbookKey = defineSearchAttributeKey('MendRunbook', SearchAttributeType.KEYWORD);
export const targetKey = defineSearchAttributeKey('MendTarget', SearchAttributeType.KEYWORD);
export const severityKey = defineSearchAttributeKey('MendSeverity', SearchAttributeType.KEYWORD);
export const statusKey = defineSearchAttributeKey('MendStatus', SearchAttributeType.KEYWORD);

export const mendSearchAttributes = [runbookKey, targetKey, severityKey, statusKey];
