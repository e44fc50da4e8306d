// Runs the `mend` CLI in-process with a test's config, capturing its output and exit code; or the built one as a process.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../cli/main';
import type { MendConfig } from '../../config/schema';
import { root } from './processes';

export async function runCli(config: MendConfig, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    (t) => out.push(t),
    (t) => err.push(t),
    config,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The built CLI (dist/cli/main.js) as a process in `cwd`, as a team runs it in its repository. */
export const builtCli = (cwd: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], { cwd, maxBuffer: 1 << 24, timeout: 650_000 });

/** The built CLI in the example pack's folder. */
export const examplePackCli = (...args: string[]) => builtCli(join(root, 'examples', 'services-pack'), ...args);
