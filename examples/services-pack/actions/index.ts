// The services pack's actions: a manager's commands for one service, and what an incident on a service knows first.
// The commands run through the core pack's hostCommand, whose allowlist still decides what may run.
import { defineActions, nonRetryable, type ActionsOf, type DiagnoseInput } from 'mend';
import type { ServicesConfig } from '../config';

/** A service name the managers accept: no shell syntax, no option. */
const serviceName = /^[A-Za-z0-9@][A-Za-z0-9@._:-]*$/;

const actions = defineActions({
  create(config: ServicesConfig) {
    return {
      /** The argv that restart a service and tell whether it runs, under its manager. */
      async serviceCommands({ manager, service }: { manager: string; service: string }) {
        const commands = config.managers[manager];
        if (!commands) throw nonRetryable(`no service manager "${manager}" under services.managers (known: ${Object.keys(config.managers).join(', ')})`);
        if (!serviceName.test(service)) throw nonRetryable(`"${service}" is not a service name`);
        const fill = (argv: string[]) => argv.map((word) => word.replaceAll('{service}', service));
        return { restart: fill(commands.restart), isActive: fill(commands.isActive) };
      },
      /** A service/<group>/<host>/<name> target: where it is, before anything runs there. */
      async servicesDiagnose({ name }: DiagnoseInput) {
        const [group, host, service] = name.split('/');
        return { summary: `service ${service} on ${host} (host group ${group})`, facts: { group, host, service } };
      },
    };
  },
  diagnose: { service: 'servicesDiagnose' },
});

export default actions;
export type ServicesActions = ActionsOf<typeof actions>;
