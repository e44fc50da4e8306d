// The kubernetes pack's actions: API clients per configured cluster, and diagnosis of k8s/ targets.
import { defineActions, type ActionsOf } from 'mend';
import type { KubernetesConfig } from '../config';
import { kubernetesActivities } from './activities';
import { KubeClusters } from './clusters';
import { kubeDiagnosis } from './diagnose';

const actions = defineActions({
  create(config: KubernetesConfig) {
    const clusters = new KubeClusters(config);
    return { ...kubernetesActivities(clusters), ...kubeDiagnosis(clusters) };
  },
  diagnose: { k8s: 'k8sDiagnose' },
});

export default actions;
export type KubernetesActivities = ActionsOf<typeof actions>;
