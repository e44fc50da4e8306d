#!/usr/bin/env node
// mend's command line. Exit codes: 0 ok, 1 failure, 2 bad input, 3 approval or override refused,
// 4 a watched incident ended without recovering (escalated, refused, rejected, stood down, failed), 130 Ctrl-C.
import { readFileSync } from 'node:fs';
import { errorMessage } from '../common/error-message';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import { PackError } from '../packs/pack-error';
import type { MendConfig } from '../config/schema';
import { connect, decide, listIncidents, listRunbooks, overrideGuard, reportIncident, runIncident, showGuard, showStatus, watchStatus } from './commands';
import type { Out, Session } from './session';
import { drCommand, drUsage } from './dr';
import { drillCommand, drillUsage } from './drill';
import { drillSchedule, drillScheduleUsage } from './drill-schedule';
import { buildBundle } from '../workers/bundle';
import { replayPack, testPack } from './pack-commands';
import { listRoutes, testRoutes } from './routes';
import { runbookStats } from './runbook-stats';
import { scaffoldPack, scaffoldRunbook } from './scaffold';
import { UsageError } from '../client/usage-error';
import { login } from './operator-token';

const usage = `usage: mend <command> [options]

  runbooks [--json]                          list runbooks with their params and risk
  runbooks --stats [--json]                  per alert signature: each runbook's recent and total recoveries,
                                             median MTTR, and whether the next incident skips it
  run <runbook> [--param k=v ...] [--severity info|warning|critical] [--dry-run]
                [--summary TEXT] [--id ID] [--json]
                                             start an incident
  status <id> [--json]                       current step, what it waits for, timeline (a DR run: its progress)
  status <id> --watch [--interval 1s]        live progress until the incident has an outcome; exit 0 if
                                             it recovered (or was not needed), 4 if not; Ctrl-C stops
                                             watching and leaves the incident alone (a DR run: until it
                                             is done; 0 if its RTO was met)
  report <id> [--out FILE]                   post-incident report in Markdown from Temporal's history
  incidents [--status S] [--runbook R] [--target T] [--severity S] [--limit N] [--json]
                                             list incidents, newest first
  login                                      sign in (OIDC device flow); decisions below are sent as you
  approve <id> [--comment TEXT]              approve the pending step, through the gateway
  reject <id> [--comment TEXT]               reject it; the incident stands down
  guard <target> [--json]                    a target's guard: holder, queue, budget, cooldown, blocks
  override <target> --comment WHY            reset its budget and lift its cooldown and blocks (approvers only)
${drUsage}
${drillUsage}
${drillScheduleUsage}

  routes [--json]                            the gateway's routes, in the order they are tried
  routes test [--source S] [--file F] [--json]
                                             for each alert of a payload (stdin, or F): the route, runbook,
                                             params and target it gets, or why none; exit 1 if one is unrouted
                                             (S: alertmanager (default), grafana, zabbix or generic)

Packs (a team's runbooks, actions and routes, in its own repository):
  new pack <dir> [--name NAME]               a new pack
  new runbook <name> --pack <dir>            a runbook and its test, which passes as generated
  test <pack> [-- JEST ARGS]                 the pack's tests on Temporal's time-skipping server, real worker
  test <pack> --crash [-- JEST ARGS]         its crash tests (test/**/*.crash.test.ts): every step killed by SIGKILL
  replay <pack>                              replay the pack's recorded histories on the current code
  build                                      bundle the workflow code of the config's packs (for an image)

Decisions (approve, reject, override, dr confirm) are checked by the gateway against your token: \`mend login\`
keeps it in ~/.config/mend/token (MEND_TOKEN_FILE: another file); --by, if given, must name you.
Config: $MEND_CONFIG (default config/mend.yaml); TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE override it;
MEND_GATEWAY_URL overrides approvals.gatewayUrl.`;

const options = {
  json: { type: 'boolean', default: false },
  param: { type: 'string', multiple: true, default: [] as string[] },
  severity: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  summary: { type: 'string' },
  id: { type: 'string' },
  status: { type: 'string' },
  runbook: { type: 'string' },
  target: { type: 'string' },
  limit: { type: 'string', default: '20' },
  by: { type: 'string' },
  comment: { type: 'string' },
  watch: { type: 'boolean', default: false },
  interval: { type: 'string', default: '1s' },
  out: { type: 'string' },
  checklist: { type: 'string' },
  note: { type: 'string' },
  name: { type: 'string' },
  pack: { type: 'string' },
  crash: { type: 'boolean', default: false },
  source: { type: 'string', default: 'alertmanager' },
  file: { type: 'string' },
  all: { type: 'boolean', default: false },
  stats: { type: 'boolean', default: false },
  budget: { type: 'string' },
  every: { type: 'string' },
  cron: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export async function main(argv: string[], out: Out = console.log, err: Out = console.error, config?: MendConfig): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const [command, ...rest] = positionals;
    if (values.help || !command || command === 'help') {
      out(usage);
      return command || values.help ? 0 : 2;
    }
    const offline = await packCommand(command, rest, values, out);
    if (offline !== undefined) return offline;
    const loaded = config ?? loadConfig();
    let client: Promise<import('@temporalio/client').Client> | undefined;
    const session: Session = { config: loaded, out, client: () => (client ??= connect(loaded)) };
    const one = (what: string) => {
      if (rest.length !== 1) throw new UsageError(`${command} takes exactly one ${what}`);
      return rest[0];
    };
    try {
      switch (command) {
        case 'runbooks':
          if (values.stats) await runbookStats(session, values.json);
          else listRunbooks(session, values.json);
          return 0;
        case 'run':
          await runIncident(session, {
            runbook: one('runbook name'),
            params: values.param,
            severity: values.severity ?? 'warning',
            dryRun: values['dry-run'],
            summary: values.summary,
            id: values.id,
            json: values.json,
          });
          return 0;
        case 'status': {
          if (!values.watch) {
            await showStatus(session, one('incident id'), values.json);
            return 0;
          }
          if (values.json) throw new UsageError('status --watch shows text; drop --json');
          // Redraw on a terminal; a pipe or a test's capture gets each change appended.
          const redraw = out === console.log && process.stdout.isTTY === true;
          const ended = await untilInterrupted((stop) => watchStatus(session, one('incident id'), { interval: values.interval, redraw, stop }));
          return { recovered: 0, 'not recovered': 4, stopped: 130 }[ended];
        }
        case 'report':
          await reportIncident(session, one('incident id'), values.out);
          return 0;
        case 'incidents':
          await listIncidents(session, {
            status: values.status,
            runbook: values.runbook,
            target: values.target,
            severity: values.severity,
            limit: Number(values.limit),
            json: values.json,
          });
          return 0;
        case 'login':
          if (rest.length) throw new UsageError('login takes no arguments');
          await login(session);
          return 0;
        case 'approve':
        case 'reject':
          return (await decide(session, command, one('incident id'), values.by, values.comment)) ? 0 : 3;
        case 'guard':
          await showGuard(session, one('target (e.g. mysql/default)'), values.json);
          return 0;
        case 'override':
          return (await overrideGuard(session, one('target (e.g. mysql/default)'), values.by, values.comment)) ? 0 : 3;
        case 'dr':
          return await drCommand(session, rest, values);
        case 'drill':
          if (rest[0] === 'schedule') return await drillSchedule(session, rest.slice(1), { every: values.every, cron: values.cron, budget: values.budget });
          return await untilInterrupted((stop) => drillCommand(session, rest, { all: values.all, target: values.target, budget: values.budget, json: values.json }, stop));
        case 'routes':
          if (!rest.length) {
            listRoutes(session, values.json);
            return 0;
          }
          if (rest.join(' ') !== 'test') throw new UsageError('usage: mend routes [test]');
          return testRoutes(session, values.source, readFileSync(values.file ?? 0, 'utf8'), values.json);
        case 'build':
          out(await buildBundle(loaded, err));
          return 0;
        default:
          throw new UsageError(`unknown command "${command}"\n\n${usage}`);
      }
    } finally {
      if (client) await (await client.catch(() => undefined))?.connection.close();
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof PackError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`mend: ${(e as Error).message}`);
      return 2;
    }
    err(`mend: ${errorMessage(e)}`); // with its cause: "Failed to list workflows: Request unauthorized"
    return 1;
  }
}

/** The pack commands that need no config (new, test, replay); undefined for any other command. */
async function packCommand(command: string, rest: string[], values: { name?: string; pack?: string; crash?: boolean }, out: Out): Promise<number | undefined> {
  const wrote = (files: string[]) => files.forEach((f) => out(`wrote ${f}`));
  switch (command) {
    case 'new':
      if (rest[0] === 'pack' && rest.length === 2) wrote(scaffoldPack(rest[1], values.name));
      else if (rest[0] === 'runbook' && rest.length === 2 && values.pack) wrote(scaffoldRunbook(values.pack, rest[1]));
      else throw new UsageError('usage: mend new pack <dir> [--name NAME] | mend new runbook <name> --pack <dir>');
      return 0;
    case 'test':
      if (!rest.length) throw new UsageError('usage: mend test <pack> [--crash] [-- JEST ARGS]');
      return testPack(rest[0], rest.slice(1), { crash: values.crash });
    case 'replay':
      if (rest.length !== 1) throw new UsageError('usage: mend replay <pack>');
      return replayPack(rest[0], out);
    default:
      return undefined;
  }
}

/** Runs `task` with a signal that the first Ctrl-C aborts; a second one kills the process as usual. */
async function untilInterrupted<T>(task: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  try {
    return await task(stop.signal);
  } finally {
    process.off('SIGINT', interrupt);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
