// Runs any runbook of the catalog as its own workflow type (the workflow type is the runbook's name).
import { errorMessage } from '../common/error-message';
import { allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { RunbookInput, RunbookResult } from '../common/types';
import { formatIssues } from '../common/zod-issues';
import { findRunbook } from './catalog';
import { RunbookStop } from './kit/errors';
import { RunbookKit } from './kit/kit';
import { RunbookRun } from './kit/run';
import { approvalReason } from './policy';

export async function runbookWorkflow(input: RunbookInput): Promise<RunbookResult> {
  const name = workflowInfo().workflowType;
  const run = new RunbookRun({ ...input, runbook: name });
  const result = await runbook(run, name, input);
  await condition(allHandlersFinished); // a decision still being authenticated reaches the record
  await run.flushNotices(); // its notices reach the incident before the result does
  return result;
}

async function runbook(run: RunbookRun, name: string, input: RunbookInput): Promise<RunbookResult> {
  const definition = findRunbook(name);
  if (!definition) return run.finish('refused', `unknown runbook "${name}"`);
  const parsed = definition.params.safeParse(input.params);
  if (!parsed.success) return run.finish('refused', `invalid params: ${formatIssues(parsed.error).join('; ')}`);
  try {
    const reason = approvalReason(input.policy, input.severity, definition.risk);
    if (reason) run.requireApproval(reason);
    if (input.blocked) {
      const { until, reason: why } = input.blocked;
      run.requireApproval(`${name} is blocked on ${input.target} until ${until} (${why})`, { liftable: true });
    }
    const outcome = await definition.run(new RunbookKit(run), parsed.data);
    if (outcome) return run.finish('not-needed', outcome.notNeeded);
    if (input.dryRun) return run.finish('planned');
    if (!run.hasVerified) throw new RunbookStop('failed', 'the runbook ended without a passing verification');
    return run.finish('verified');
  } catch (err) {
    await run.compensate();
    if (err instanceof RunbookStop) return run.finish(err.status, err.message);
    return run.finish('failed', errorMessage(err));
  }
}
