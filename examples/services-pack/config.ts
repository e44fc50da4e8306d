// The services pack's config section (`services:` in mend.yaml): each service manager's own commands, as argv with
// {service} standing for the service's name. systemd's are the default; the hosts and what may run on them are the
// core pack's (core.hosts and its allowlist).
import { defineConfig, z } from 'mend';

const argv = z.array(z.string().min(1)).min(1);

const manager = z
  .object({
    restart: argv.describe('restarts the service; exit 0 when it did'),
    isActive: argv.describe('exit 0 while the service runs, any other code when it does not'),
  })
  .strict();

const systemd = { restart: ['systemctl', 'restart', '{service}'], isActive: ['systemctl', 'is-active', '--quiet', '{service}'] };

const schema = z
  .object({
    managers: z
      .record(z.string().regex(/^[a-z0-9-]+$/), manager)
      .default({})
      .transform((m): Record<string, z.output<typeof manager>> => ({ systemd, ...m })),
  })
  .strict();

export type ServicesConfig = z.output<typeof schema>;

export default defineConfig({ schema });
