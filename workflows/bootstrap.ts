// Short activities any workflow may call before or around its real work: its settings, a diagnosis, an escalation.
import { proxyActivities } from '@temporalio/workflow';
import type { MendActivities } from '../activities';

export const bootstrap = proxyActivities<MendActivities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });
