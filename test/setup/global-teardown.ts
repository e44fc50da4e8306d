import type { DevServer } from '../helpers/processes';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { mendDevServer?: DevServer }).mendDevServer?.stop();
}
