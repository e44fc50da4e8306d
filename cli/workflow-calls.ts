// What the CLI's commands share to reach a workflow: a fresh id, its execution, and a signal's answer.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';

/** `<prefix>-<UTC yyyymmddhhmmss>-<4 hex>`: sorts by start time, and two starts in one second differ. */
export const newWorkflowId = (prefix: string) => `${prefix}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;

/** The workflow's execution, or undefined when there is none. */
export async function describeWorkflow(client: Client, id: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(id).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Sends a signal, then reads the workflow until it shows what it made of it (10 s at most); a workflow that does not
 * answer in time is an error that says where to look.
 */
export async function signalAndAwaitAnswer<T>(send: () => Promise<void>, answer: () => Promise<T | undefined>, unanswered: string): Promise<T> {
  await send();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = await answer();
    if (found) return found;
    await delay(100);
  }
  throw new Error(unanswered);
}
