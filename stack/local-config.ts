// The config the local stack's worker, gateway and CLI run with: the stack's config (argv[2]) plus what lives in this
// stack's data folder: the shop's service manager (supervisord, its config file argv[3]), which service-restart
// calls through a local host group that may run exactly its two commands, the crash drill's undo, and where
// operators sign in (Dex on MEND_DEX_PORT) and send decisions (the gateway on MEND_GATEWAY_PORT).
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { dexIssuer } from './dex-config';

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
    approvals: {
      oidc: { issuer: dexIssuer(Number(process.env.MEND_DEX_PORT ?? 5556)), audience: 'mend' },
      gatewayUrl: `http://127.0.0.1:${process.env.MEND_GATEWAY_PORT ?? 9470}`,
    },
  })}`,
);
