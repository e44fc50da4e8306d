// The worker process: `node dist/workers/main.js`. Ctrl-C (SIGINT) or SIGTERM drains and exits.
import { ConfigError } from '../config/load';
import { runWorker } from './run';

runWorker().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
