// Bundles the workflow code (engine + runbooks) once at build time: `node dist/workers/bundle.js [out]`.
// Workers load the bundle instead of running webpack at start.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './worker';

export const defaultBundlePath = join(__dirname, '..', 'workflow-bundle.js');

async function main(out = defaultBundlePath): Promise<void> {
  const noop = () => undefined;
  const logger = { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath, logger });
  writeFileSync(out, code);
  console.error(`workflow bundle: ${out} (${(code.length / 2 ** 20).toFixed(1)} MiB)`);
}

if (require.main === module) {
  main(process.argv[2]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
