// The config the local stack's worker and gateway run with: the stack's config (argv[2]) plus what lives in this
// stack's data folder: the shop's service manager (supervisord, its config file argv[3]), which service-restart
// calls through a local host group that may run exactly its two commands, and the crash drill's undo.
import { resolve } from 'node:path';
import { stringify } from 'yaml';

const [base, supervisorConf] = process.argv.slice(2);
if (!base || !supervisorConf) throw new Error('usage: local-config.js <stack config> <supervisord.conf>');
const ctl = ['supervisorctl', '-c', resolve(supervisorConf)];

process.stdout.write(
  `# Written by scripts/stack.sh at each start.\n${stringify({
    extends: resolve(base),
    core: {
      hosts: {
        'shop-host': {
          hosts: ['localhost'],
          local: true,
          allow: [
            [...ctl, 'restart', 'shop'],
            [...ctl, 'status', 'shop'],
          ],
        },
      },
    },
    services: { managers: { supervisor: { restart: [...ctl, 'restart', '{service}'], isActive: [...ctl, 'status', '{service}'] } } },
    shop: { shop: { startCommand: [...ctl, 'start', 'shop'] } },
  })}`,
);
