// The redis pack's config section: Redis instances runbooks may act on, by name. Passwords by env var name.
import { asRecord, defineConfig, drillMark, envName, targetOfInstance, z } from 'mend';

const redisTargetSchema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'expected redis:// or rediss:// URL without a password'),
    passwordEnv: envName.optional(),
    /** Scrape targets (an alert's `instance`) that report on this instance, when they are not its host:port. */
    instances: z.array(z.string().min(1)).optional(),
    /** Keys a memory relief may delete, for alerts that do not say (e.g. redis_exporter's RedisOutOfMemory). */
    expendableKeys: z.string().min(1).optional(),
    drill: drillMark,
  })
  .strict();

const schema = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), redisTargetSchema).default({});
export type RedisConfig = z.output<typeof schema>;

const targetsOf = (section: RedisConfig) => Object.fromEntries(Object.entries(section).map(([name, t]) => [name, { addresses: [new URL(t.url).host], instances: t.instances }]));

const redisConfig = defineConfig({
  schema,
  fromEnv(section, env) {
    if (!env.MEND_REDIS_URL) return section;
    const instances = asRecord(section);
    return { ...instances, default: { ...asRecord(instances.default), url: env.MEND_REDIS_URL } };
  },
  lookups: {
    /** The configured instance an `instance` label reports on. */
    instance: (instance, section) => targetOfInstance(instance, targetsOf(section)),
    /** Its `expendableKeys`. */
    expendableKeys(instance, section) {
      const name = targetOfInstance(instance, targetsOf(section));
      const keys = section[name].expendableKeys;
      if (!keys) throw new Error(`redis.${name} has no expendableKeys`);
      return keys;
    },
  },
});

export default redisConfig;
