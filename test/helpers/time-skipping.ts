// Temporal's Java time-skipping test server, started from the project's provisioned wrapper (no download).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { provisioned } from './processes';

// It cannot register search attributes: workers on it run with temporal.searchAttributes off.
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = provisioned('test-server', 'MEND_TEST_SERVER');
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}
