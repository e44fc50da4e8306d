// Builds the workflow bundle of the engine and the config's packs into the bundle cache, so a worker starts without
// webpack: `node dist/workers/bundle.js` (npm run build, the image build) or `mend build`. Prints the bundle's path.
import { loadConfig } from '../config/load';
import type { MendConfig } from '../config/schema';
import { describeStartError } from '../config/start-error';
import { workflowBundle } from '../packs/bundle';
import { configPacks } from '../packs/load';

export async function buildBundle(config: MendConfig, log: (text: string) => void): Promise<string> {
  const packs = configPacks(config);
  const started = Date.now();
  const file = await workflowBundle(packs, { onBuild: () => log(`bundling the runbooks of ${packs.map((p) => p.name).join(', ')}...`) });
  log(`workflow bundle: ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return file;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => buildBundle(loadConfig(), console.error))
    .then(
      (file) => console.log(file),
      (err) => {
        console.error(describeStartError(err));
        process.exit(1);
      },
    );
}
