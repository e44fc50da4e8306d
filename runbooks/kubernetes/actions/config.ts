// The kubernetes pack's config section: clusters runbooks may act on, by name.
import { z } from 'mend';

const kubernetesClusterSchema = z.union([
  z
    .object({
      kubeconfig: z.string().min(1).describe('path to a kubeconfig file'),
      context: z.string().min(1).optional().describe("the kubeconfig's current context if unset"),
    })
    .strict(),
  z.object({ inCluster: z.literal(true).describe("the pod's service account (mend running in the cluster)") }).strict(),
]);

export const kubernetesConfig = z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), kubernetesClusterSchema).default({});
export type KubernetesConfig = z.output<typeof kubernetesConfig>;
