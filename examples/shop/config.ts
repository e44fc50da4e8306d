// The shop pack's config section (`shop:` in mend.yaml): the shop instances drills may break and measure, by name.
import { defineConfig, drillMark, envName, z } from 'mend';

const shopSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).describe("the shop's base URL"),
    adminTokenEnv: envName.describe('env var holding the bearer token of its admin endpoints'),
    /** Requests per second of the drills' workload, and the share of them that are orders. */
    rate: z.number().positive().max(1000).default(20),
    orderShare: z.number().min(0).max(1).default(0.2),
    drill: drillMark,
    /** What starts the shop again (its service manager's command, run on the worker's host): the crash drill's undo. */
    startCommand: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const schema = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), shopSchema).default({});
export type ShopConfig = z.output<typeof schema>;

export default defineConfig({ schema });
