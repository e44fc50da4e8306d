// The worker process: `node dist/workers/main.js`. Ctrl-C (SIGINT) or SIGTERM drains and exits.
import { runWorker } from './run';
import { describeStartError } from '../config/start-error';

runWorker().catch((err) => {
  console.error(describeStartError(err));
  process.exit(1);
});
