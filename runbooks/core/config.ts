// The core pack's config section (`core:` in mend.yaml): the HTTP endpoints, Prometheus servers and host groups its
// actions may use, by name. An action is given a name, never a URL: nothing in an alert can point mend at another address.
import { defineConfig, duration, envName, hostOf, z } from 'mend';

const endpoint = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'no user or password in the URL: give tokenEnv')
      .describe('the base URL; every call stays under it'),
    tokenEnv: envName.optional().describe('env var holding a bearer token sent with every call'),
    timeout: duration.default('10s'),
  })
  .strict();

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/);

/** One word of an allowed command: "*" stands for one such word, never shell syntax, an option or a path climb. */
export const commandWord = /^(?!-)(?!.*\.\.)[A-Za-z0-9@%+=:,./_-]+$/;

const ssh = z
  .object({
    user: z.string().regex(/^[a-z_][a-z0-9_-]*$/),
    port: z.number().int().min(1).max(65535).default(22),
    keyFile: z.string().min(1).describe('the private key mend logs in with (mode 0600)'),
    /** Each host's public key, pinned: a host that shows another key is refused and nothing runs. */
    hostKeys: z.record(z.string(), z.string().regex(/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+=*$/, 'expected "<type> <base64 key>"')),
  })
  .strict();

const hostGroup = z
  .object({
    hosts: z.array(z.string().regex(/^[A-Za-z0-9.:_-]+$/)).min(1),
    /** How to reach them; without it, `local: true` runs the commands on the worker's own host. */
    ssh: ssh.optional(),
    local: z.literal(true).optional(),
    /** The only commands that may run, as argv; "*" matches one word (letters, digits, @%+=:,./_-). */
    allow: z.array(z.array(z.string().min(1)).min(1)).min(1),
    timeout: duration.default('30s'),
  })
  .strict()
  .superRefine((g, ctx) => {
    if (!g.ssh === !g.local) ctx.addIssue({ code: 'custom', message: 'give either ssh or local: true' });
    for (const host of g.ssh ? g.hosts : []) {
      if (!g.ssh!.hostKeys[host]) ctx.addIssue({ code: 'custom', path: ['ssh', 'hostKeys', host], message: `pin the host key of ${host}` });
    }
  });

const schema = z
  .object({
    http: z.record(name, endpoint).default({}),
    /** Prometheus servers whose queries verify a recovery or add facts to a diagnosis. */
    prometheus: z.record(name, endpoint).default({}),
    /** Host groups commands may run on, each with its allowlist. */
    hosts: z.record(name, hostGroup).default({}),
  })
  .strict();

export type CoreConfig = z.output<typeof schema>;
export type HttpEndpoint = CoreConfig['http'][string];
export type HostGroup = CoreConfig['hosts'][string];

/** The host group of core.hosts that lists an alert's host (an `instance`'s port dropped), and that host. */
function groupOf(instance: string, section: CoreConfig): { group: string; host: string } {
  const host = hostOf(instance);
  const groups = Object.entries(section.hosts).filter(([, g]) => g.hosts.includes(host));
  if (groups.length === 1) return { group: groups[0][0], host };
  if (!groups.length) throw new Error(`no host group of core.hosts lists ${host}`);
  throw new Error(`${host} is in host groups ${groups.map(([n]) => n).join(' and ')}: route it with an explicit group`);
}

export default defineConfig({
  schema,
  lookups: {
    /** `{{ labels.instance | core.host }}`: the host, as a group lists it. */
    host: (instance, section) => groupOf(instance, section).host,
    /** `{{ labels.instance | core.hostGroup }}`: the group that lists it. */
    hostGroup: (instance, section) => groupOf(instance, section).group,
  },
});
