// Temporal's Java time-skipping test server, started from mend's provisioned wrapper (no download). Node only.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { provisioned } from './provisioned';

const tries = 3;

// It cannot register search attributes: workers on it run with temporal.searchAttributes off. The SDK waits only
// 5 s for the JVM to listen, which a loaded machine can miss: a start that timed out is tried again.
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = provisioned('test-server', 'MEND_TEST_SERVER');
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
    } catch (err) {
      if (attempt === tries || !/did not start within/.test(String(err))) throw err;
    }
  }
}
