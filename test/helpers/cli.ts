// Runs the `mend` CLI in-process with a test's config, capturing its output and exit code.
import { main } from '../../cli/main';
import type { MendConfig } from '../../config/schema';

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
