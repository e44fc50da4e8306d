// The core pack's actions: generic ones every team needs, whatever its targets.
import { defineActions, type ActionsOf } from 'mend';
import { httpCheckActivities } from './http-check';

const actions = defineActions({
  create: () => ({ ...httpCheckActivities() }),
});

export default actions;
export type CoreActions = ActionsOf<typeof actions>;
