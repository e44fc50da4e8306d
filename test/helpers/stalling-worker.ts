// mend's worker process with one fault: every call of the activity named by MEND_TEST_STALL hangs (it says so on
// stdout first), so a test can kill -9 the worker at a known point of a runbook.
import { ConfigError } from '../../config/load';
import { runWorker } from '../../workers/run';

const stalled = process.env.MEND_TEST_STALL;
runWorker({
  activity: [
    (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          if (ctx.info.activityType !== stalled) return next(input);
          console.log(`stalled ${stalled}`);
          return new Promise<never>(() => undefined);
        },
      },
    }),
  ],
}).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
