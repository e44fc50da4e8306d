// Temporal's Java time-skipping test server, started from mend's provisioned wrapper (no download). Node only.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { provisioned } from './provisioned';

// It cannot register search attributes: workers on it run with temporal.searchAttributes off.
export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = provisioned('test-server', 'MEND_TEST_SERVER');
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}
