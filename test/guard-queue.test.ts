// A target whose guard runs on a task queue no worker of this deployment polls (another deployment in the namespace,
// or a queue since renamed): the incident fails soon, naming the queue, instead of retrying a silent update.
import { WorkflowFailedError } from '@temporalio/client';
import { errorMessage } from '../common/error-message';
import { guardAnswersWithinMs } from '../activities/guard';
import { guardWorkflowId } from '../workflows/definitions';
import { useMendWithRedis } from './helpers/mend';

const t = useMendWithRedis();

test('a guard on a queue nobody here polls: the incident fails within seconds and names the queue', async () => {
  const redis = t.mend.redisName();
  const target = `redis/${redis}`;
  const orphan = `gone-${t.mend.taskQueue}`;
  const guard = await t.mend.client.workflow.start('targetGuard', { taskQueue: orphan, workflowId: guardWorkflowId(target), args: [{ target }] });
  try {
    const started = Date.now();
    const failure = await t.mend.run({ runbook: 'redis-memory-relief', severity: 'warning', params: { redis, pattern: 'session:*' } }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(errorMessage((failure as WorkflowFailedError).cause)).toMatch(
      `the guard of ${target} runs on task queue "${orphan}", which this worker (queue "${t.mend.taskQueue}") does not poll`,
    );
    // One attempt: the answer is not retried for the policy's activity timeout (2 minutes) three times.
    expect(Date.now() - started).toBeLessThan(guardAnswersWithinMs + 15_000);
  } finally {
    await guard.terminate('test ended');
  }
}, 60_000);
