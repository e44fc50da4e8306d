// The kubernetes pack's config section: clusters runbooks may act on, by name.
import { asRecord, defineConfig, drillMark, z, type ConfigOf } from 'mend';

const kubernetesClusterSchema = z.union([
  z
    .object({
      kubeconfig: z.string().min(1).describe('path to a kubeconfig file'),
      context: z.string().min(1).optional().describe("the kubeconfig's current context if unset"),
      drill: drillMark,
    })
    .strict(),
  z.object({ inCluster: z.literal(true).describe("the pod's service account (mend running in the cluster)"), drill: drillMark }).strict(),
]);

const kubernetesConfig = defineConfig({
  schema: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), kubernetesClusterSchema).default({}),
  fromEnv(section, env) {
    if (!env.MEND_KUBECONFIG) return section;
    const { drill } = asRecord(asRecord(section).default);
    return { ...asRecord(section), default: { kubeconfig: env.MEND_KUBECONFIG, ...(drill === undefined ? {} : { drill }) } };
  },
});

export type KubernetesConfig = ConfigOf<typeof kubernetesConfig>;

export default kubernetesConfig;
