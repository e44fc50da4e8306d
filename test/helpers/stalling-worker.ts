// mend's worker process with one fault, MEND_TEST_STALL="before:<activity>" or "after:<activity>": every call of
// that activity hangs before it acts, or after it has acted and before it reports (saying so on stdout first), so
// a test can kill -9 the worker at a known point of a runbook.
import { ConfigError } from '../../config/load';
import { runWorker } from '../../workers/run';

const [when, stalled] = (process.env.MEND_TEST_STALL ?? '').split(':');
const hang = () => new Promise<never>(() => undefined);
runWorker({
  activity: [
    (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          if (ctx.info.activityType !== stalled) return next(input);
          if (when === 'after') await next(input);
          console.log(`stalled ${when} ${stalled}`);
          return hang();
        },
      },
    }),
  ],
}).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
