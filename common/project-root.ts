// mend's own folder, found from this file whether it runs from source or from dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function projectRoot(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'config', 'mend.yaml'))) return dir;
  }
  throw new Error(`cannot find mend's project root above ${from}`);
}
