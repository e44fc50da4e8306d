// Runs any runbook from runbooks/ as its own workflow type (the workflow type is the runbook's name).
import { errorMessage } from '../common/error-message';
import { workflowInfo } from '@temporalio/workflow';
import type { RunbookInput, RunbookResult } from '../common/types';
import { formatIssues } from '../common/zod-issues';
import { findRunbook } from './catalog';
import { RunbookStop } from './kit/errors';
import { RunbookKit } from './kit/kit';
import { approvalReason } from './policy';

export async function runbookWorkflow(input: RunbookInput): Promise<RunbookResult> {
  const name = workflowInfo().workflowType;
  const kit = new RunbookKit({ ...input, runbook: name });
  const result = await run(kit, name, input);
  await kit.flushNotices(); // its notices reach the incident before the result does
  return result;
}

async function run(kit: RunbookKit, name: string, input: RunbookInput): Promise<RunbookResult> {
  const definition = findRunbook(name);
  if (!definition) return kit.finish('refused', `unknown runbook "${name}"`);
  const parsed = definition.params.safeParse(input.params);
  if (!parsed.success) return kit.finish('refused', `invalid params: ${formatIssues(parsed.error).join('; ')}`);
  try {
    const reason = approvalReason(input.policy, input.severity, definition.risk);
    if (reason) kit.requireApprovalBeforeActing(reason);
    if (input.blocked) {
      const { until, reason: why } = input.blocked;
      kit.requireApprovalBeforeActing(`${name} is blocked on ${input.target} until ${until} (${why})`, { liftable: true });
    }
    const outcome = await definition.run(kit, parsed.data);
    if (outcome) return kit.finish('not-needed', outcome.notNeeded);
    if (kit.dryRun) return kit.finish('planned');
    if (!kit.hasVerified) throw new RunbookStop('failed', 'the runbook ended without a passing verification');
    return kit.finish('verified');
  } catch (err) {
    await kit.compensate();
    if (err instanceof RunbookStop) return kit.finish(err.status, err.message);
    return kit.finish('failed', errorMessage(err));
  }
}
