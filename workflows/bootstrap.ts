// Short activities any workflow may call before or around its real work: its settings, a diagnosis, an escalation.
import type { MendActivities } from '../activities';
import { shortReads } from './activity-options';

export const bootstrap = shortReads<MendActivities>();
