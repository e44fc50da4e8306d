// The kubernetes pack's actions: API clients per configured cluster, and diagnosis of k8s/ targets.
import { asRecord, defineActions, type ActionsOf } from 'mend';
import { kubernetesActivities } from './activities';
import { KubeClusters } from './clusters';
import { kubernetesConfig } from './config';
import { kubeDiagnosis } from './diagnose';

const actions = defineActions({
  config: kubernetesConfig,
  create(config) {
    const clusters = new KubeClusters(config);
    return { ...kubernetesActivities(clusters), ...kubeDiagnosis(clusters) };
  },
  diagnose: { k8s: 'k8sDiagnose' },
  fromEnv: (section, env) =>
    env.MEND_KUBECONFIG ? { ...asRecord(section), default: { kubeconfig: env.MEND_KUBECONFIG } } : section,
});

export default actions;
export type KubernetesActivities = ActionsOf<typeof actions>;
