// Short activities any workflow may call before or around its real work: its settings, a diagnosis, an escalation.
import { proxyActivities } from '@temporalio/workflow';
import type { MendActivities } from '../activities';

/** Stubs of short reads, with the options every bootstrap call uses. */
export const shortReads = <A>() => proxyActivities<A>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

export const bootstrap = shortReads<MendActivities>();
