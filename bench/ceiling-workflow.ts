// The raw ceiling the incident bench compares mend with: a workflow that runs one activity and ends.
import { proxyActivities } from '@temporalio/workflow';

const { touch } = proxyActivities<{ touch(): Promise<string> }>({ startToCloseTimeout: '1m' });

export async function oneActivity(): Promise<string> {
  return touch();
}
