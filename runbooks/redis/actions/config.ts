// The redis pack's config section: Redis instances runbooks may act on, by name. Passwords by env var name.
import { envName, z } from 'mend';

const redisTargetSchema = z
  .object({
    url: z.string().regex(/^rediss?:\/\//, 'expected redis:// or rediss:// URL without a password'),
    passwordEnv: envName.optional(),
  })
  .strict();

export const redisConfig = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), redisTargetSchema).default({});
export type RedisConfig = z.output<typeof redisConfig>;
