// The files `mend new pack` and `mend new runbook` write: a pack that calls its application's admin endpoints,
// and a runbook with a test that passes as generated. Authors make them their own.

export interface PackNames {
  /** The pack's name, e.g. "shop-ops": its config section and its targets' kind. */
  pack: string;
  /** Its actions' prefix, e.g. "shopOps" (action names are unique across all packs). */
  prefix: string;
}

export const camel = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** What an editor and `npm run typecheck` need beside mend (the tests themselves run on mend's own jest). */
const typecheckDependencies = { '@types/jest': '^30.0.0', '@types/node': '^20.19.0', typescript: '^5.9.0' };

export function packageJson({ pack }: PackNames, mendDependency: string): string {
  const json = {
    name: pack,
    version: '0.1.0',
    private: true,
    description: `mend runbooks of ${pack}`,
    mend: { pack, actions: 'actions/index.ts', routes: 'routes.yaml' },
    scripts: { test: 'mend test .', replay: 'mend replay .', typecheck: 'tsc -p .' },
    devDependencies: { mend: mendDependency, ...typecheckDependencies },
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

export const tsconfigJson = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'es2022',
      module: 'node20',
      moduleResolution: 'node16',
      strict: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node', 'jest'],
    },
    include: ['actions', 'runbooks', 'test'],
  },
  null,
  2,
)}\n`;

export const actionsIndex = ({ pack, prefix }: PackNames): string => `// The ${pack} pack's actions: activities that talk to the application's HTTP endpoints named in config. A URL is
// never taken from an alert or a param: only an endpoint's name, looked up here. Each action is idempotent.
import { defineActions, envName, nonRetryable, z, type ActionsOf, type DiagnoseInput } from 'mend';

const endpoint = z
  .object({
    url: z.url().describe('the base URL, e.g. http://shop.internal:8080'),
    tokenEnv: envName.optional().describe('env var with a bearer token for the admin calls'),
    timeoutMs: z.number().int().min(100).default(5000),
  })
  .strict();

const config = z.object({ endpoints: z.record(z.string(), endpoint).default({}) }).strict();

const actions = defineActions({
  config,
  create({ endpoints }) {
    const call = async (name: string, method: string, path: string) => {
      const target = endpoints[name];
      if (!target) throw nonRetryable(\`no endpoint "\${name}" under ${pack}.endpoints in mend.yaml\`);
      const token = target.tokenEnv ? process.env[target.tokenEnv] : undefined;
      const response = await fetch(new URL(path, target.url), {
        method,
        headers: token ? { authorization: \`Bearer \${token}\` } : {},
        signal: AbortSignal.timeout(target.timeoutMs),
      });
      return { status: response.status, body: (await response.text()).slice(0, 200) };
    };
    const health = async ({ endpoint }: { endpoint: string }) => {
      const answer = await call(endpoint, 'GET', '/health').catch((err: Error) => ({ status: 0, body: err.message }));
      return { ok: answer.status === 200, ...answer };
    };
    return {
      /** The endpoint's health check: GET /health answers 200. */
      ${prefix}Health: health,
      /** Asks the application to recover (POST /admin/recover). Safe to repeat: recovering twice is recovering. */
      async ${prefix}Recover({ endpoint, dryRun }: { endpoint: string; dryRun?: boolean }) {
        if (dryRun) return { planned: \`POST /admin/recover on \${endpoint}\` };
        const answer = await call(endpoint, 'POST', '/admin/recover');
        if (answer.status >= 400) throw new Error(\`\${endpoint} answered \${answer.status} to /admin/recover\`);
        return answer;
      },
      /** What an incident on a ${pack}/ target knows first: the endpoint's health. */
      async ${prefix}Diagnose({ name }: DiagnoseInput) {
        const h = await health({ endpoint: name });
        return { summary: \`${pack}/\${name}: health \${h.status}\`, facts: h };
      },
    };
  },
  diagnose: { '${pack}': '${prefix}Diagnose' },
});

export default actions;
export type Actions = ActionsOf<typeof actions>;
`;

export const routesYaml = ({ pack }: PackNames): string => `# The alerts this pack answers (gateway routes; names get the prefix "${pack}/"). For example:
# - name: app-unhealthy
#   matchers: ['alertname="AppUnhealthy"', 'app!=""']
#   runbook: <a runbook of this pack>
#   params:
#     endpoint: '{{ labels.app }}'
[]
`;

export const packReadme = ({ pack }: PackNames): string => `# ${pack}

A mend pack: runbooks, the actions they use, and the routes of the alerts they answer.

- \`mend new runbook <name> --pack .\` adds a runbook and its test.
- \`mend test .\` runs the tests on Temporal's time-skipping server with a real worker; \`mend replay .\` replays the
  histories the tests recorded in \`test/histories/\` on the current code.
- In mend.yaml: \`packs: [<path to this folder>]\`, and this pack's section:

\`\`\`yaml
${pack}:
  endpoints:
    app: { url: http://app.internal:8080, tokenEnv: APP_ADMIN_TOKEN }
\`\`\`

## Runbooks

| runbook | risk | what it does |
|---|---|---|

## Actions

| action | what it does |
|---|---|
| \`Health\` | GET /health of a configured endpoint |
| \`Recover\` | POST /admin/recover |

## Grants

The admin token needs only the recover call on the application.
`;

export const runbookFile = ({ pack, prefix }: PackNames, name: string): string => `// ${name}: an unhealthy application is asked to recover through its admin endpoint, then its health check must
// pass and keep passing. Generated by \`mend new runbook\`: make it yours.
import { defineRunbook, z } from 'mend';
import type { Actions } from '../actions';

export const ${camel(name)} = defineRunbook({
  name: '${name}',
  description: 'Ask an unhealthy application to recover through its admin endpoint; verify its health check passes',
  risk: 'low',
  params: z.object({
    endpoint: z.string().min(1).default('app').describe('an endpoint name under ${pack}.endpoints in mend.yaml'),
  }),
  target: (p) => \`${pack}/\${p.endpoint}\`,

  async run(kit, p) {
    const app = kit.activities<Actions>();
    const before = await app.${prefix}Health({ endpoint: p.endpoint });
    if (before.ok) return { notNeeded: \`\${p.endpoint} is healthy\` };
    await kit.step(\`ask \${p.endpoint} to recover\`, app.${prefix}Recover, { endpoint: p.endpoint });
    await kit.stabilize('10s');
    await kit.verify(
      \`\${p.endpoint} answers its health check\`,
      async () => {
        const now = await app.${prefix}Health({ endpoint: p.endpoint });
        return { ok: now.ok, evidence: now };
      },
      { within: '2m', every: '10s' },
    );
  },
});
`;

export const runbookTest = ({ pack }: PackNames, name: string): string => `// ${name} against a real HTTP application (started here), on Temporal's time-skipping server with a real worker.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { usePackTest } from 'mend/testing';

let healthy = false;
let recovers = 0;
let app: Server;

const pack = usePackTest(\`\${__dirname}/..\`, {
  before: async () => {
    app = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/admin/recover') {
        recovers++;
        healthy = true;
        return void res.end('recovered');
      }
      res.statusCode = req.url === '/health' && healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const { port } = app.address() as AddressInfo;
    return { ${JSON.stringify(pack)}: { endpoints: { app: { url: \`http://127.0.0.1:\${port}\` } } } };
  },
  after: () => new Promise<void>((resolve) => app.close(() => resolve())),
});

test('an unhealthy application is asked to recover once, and verified healthy', async () => {
  healthy = false;
  recovers = 0;
  const record = await pack.run('${name}', { endpoint: 'app' });
  expect(record.status).toBe('recovered');
  expect(recovers).toBe(1);
});

test('a healthy application is left alone', async () => {
  healthy = true;
  recovers = 0;
  const record = await pack.run('${name}', { endpoint: 'app' });
  expect(record.status).toBe('not-needed');
  expect(recovers).toBe(0);
});
`;
