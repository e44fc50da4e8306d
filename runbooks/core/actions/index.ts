// The core pack's actions: generic ones every team needs, whatever its targets.
import { defineActions, type ActionsOf } from 'mend';
import type { CoreConfig } from '../config';
import { httpCallActivities } from './http-call';
import { hostCommandActivities } from './host-command';
import { prometheusActivities } from './prometheus';

const actions = defineActions({
  create: (config: CoreConfig) => ({
    ...httpCallActivities(config),
    ...prometheusActivities(config),
    ...hostCommandActivities(config),
  }),
  diagnose: { http: 'httpDiagnose' },
});

export default actions;
export type CoreActions = ActionsOf<typeof actions>;
