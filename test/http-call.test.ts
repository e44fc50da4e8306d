// The core pack's httpCall against real HTTP servers: a named endpoint only, a path that cannot leave it (another
// host, "..", a redirect), secrets kept out of the recorded excerpt, and 4xx / 5xx told apart for the retry policy.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { httpCallActivities } from '../runbooks/core/actions/http-call';
import configDefinition from '../runbooks/core/config';

interface Recorder {
  server: Server;
  url: string;
  requests: IncomingMessage[];
}

async function recorder(answer: (req: IncomingMessage) => [number, string, Record<string, string>?]): Promise<Recorder> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const [status, body, headers = {}] = answer(req);
    res.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

let app: Recorder;
let evil: Recorder;
let http: ReturnType<typeof httpCallActivities>;

beforeAll(async () => {
  evil = await recorder(() => [200, 'stolen']);
  app = await recorder((req) => {
    if (req.url === '/api/secret') return [200, '{"user":"mend","password":"hunter2","token":"abc123","note":"token-s3cr3t in text"}'];
    if (req.url === '/api/moved') return [302, '', { location: `${evil.url}/steal` }];
    if (req.url === '/api/missing') return [404, 'no such thing'];
    if (req.url === '/api/broken') return [503, 'warming up'];
    return [200, 'ok'];
  });
  process.env.MEND_TEST_APP_TOKEN = 'token-s3cr3t';
  const config = configDefinition.schema.parse({ http: { app: { url: `${app.url}/api`, tokenEnv: 'MEND_TEST_APP_TOKEN', timeout: '2s' } } });
  http = httpCallActivities(config);
});
afterAll(async () => {
  await Promise.all([app, evil].map((r) => r && new Promise((resolve) => r.server.close(resolve))));
});

const nonRetryable = (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable;

test('calls the named endpoint under its base URL with its token; the excerpt hides the token and secret fields', async () => {
  const result = await http.httpCall({ endpoint: 'app', path: '/secret' });
  expect(result).toMatchObject({ status: 200, endpoint: 'app', method: 'GET', path: '/secret' });
  expect(app.requests.at(-1)!.headers.authorization).toBe('Bearer token-s3cr3t');
  expect(result.excerpt).not.toMatch(/hunter2|abc123|s3cr3t/);
  expect(result.excerpt).toContain('"user":"mend"');
});

test.each([
  ['another host', `//127.0.0.1:EVIL/steal`],
  ['an absolute URL', `http://127.0.0.1:EVIL/steal`],
  ['a climb out of the base path', '/../steal'],
  ['an encoded climb', '/%2e%2e/%2e%2e/steal'],
  ['a backslash', '/\\\\127.0.0.1:EVIL/steal'],
  ["a step up some servers read in ';'", '/..;/steal'],
  ['an encoded slash', '/%2f%2f127.0.0.1:EVIL/steal'],
])('a path with %s is refused and nothing is called', async (_what, hostile) => {
  const path = hostile.replace('EVIL', new URL(evil.url).port);
  const before = app.requests.length;
  const err = await http.httpCall({ endpoint: 'app', path }).catch((e) => e);
  expect(nonRetryable(err)).toBe(true);
  expect(app.requests.length).toBe(before);
  expect(evil.requests).toHaveLength(0);
});

test('an unknown endpoint name (or a URL given as one) is refused; a redirect is not followed', async () => {
  for (const endpoint of ['nope', evil.url]) {
    expect(nonRetryable(await http.httpCall({ endpoint }).catch((e) => e))).toBe(true);
  }
  const moved = await http.httpCall({ endpoint: 'app', path: '/moved', expect: 'any' });
  expect(moved.status).toBe(302);
  expect(evil.requests).toHaveLength(0);
});

test('an endpoint URL with a user or password is refused at config time: tokens come from tokenEnv', () => {
  const parsed = configDefinition.schema.safeParse({ http: { app: { url: 'http://mend:hunter2@127.0.0.1:1/' } } });
  expect(parsed.success).toBe(false);
  expect(parsed.error!.issues[0].message).toBe('no user or password in the URL: give tokenEnv');
});

test('a 4xx is final, a 5xx may pass on a retry; dry-run calls nothing', async () => {
  expect(nonRetryable(await http.httpCall({ endpoint: 'app', path: '/missing' }).catch((e) => e))).toBe(true);
  const broken = await http.httpCall({ endpoint: 'app', path: '/broken' }).catch((e) => e);
  expect(broken).toBeInstanceOf(Error);
  expect(nonRetryable(broken)).toBe(false);
  expect(broken.message).toMatch(/GET app\/broken answered 503: warming up/);
  const before = app.requests.length;
  expect(await http.httpCall({ endpoint: 'app', method: 'POST', path: '/restart', dryRun: true })).toMatchObject({ planned: true });
  expect(app.requests.length).toBe(before);
});
