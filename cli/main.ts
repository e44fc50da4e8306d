#!/usr/bin/env node
// mend's command line. Exit codes: 0 ok, 1 failure, 2 bad input, 3 approval or override refused.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load';
import type { MendConfig } from '../config/schema';
import { connect, decide, listIncidents, listRunbooks, overrideGuard, runIncident, showGuard, showStatus, type Out, type Session } from './commands';
import { UsageError } from './usage-error';

const usage = `usage: mend <command> [options]

  runbooks [--json]                          list runbooks with their params and risk
  run <runbook> [--param k=v ...] [--severity info|warning|critical] [--dry-run]
                [--summary TEXT] [--id ID] [--json]
                                             start an incident
  status <id> [--json]                       current step, what it waits for, timeline
  incidents [--status S] [--runbook R] [--target T] [--severity S] [--limit N] [--json]
                                             list incidents, newest first
  approve <id> --by NAME [--comment TEXT]    approve the pending step
  reject <id> --by NAME [--comment TEXT]     reject it; the incident stands down
  guard <target> [--json]                    a target's guard: holder, queue, budget, cooldown, blocks
  override <target> --by NAME --comment WHY  reset its budget and lift its cooldown and blocks (approvers only)

Config: $MEND_CONFIG (default config/mend.yaml); TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE override it.`;

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
          listRunbooks(session, values.json);
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
        case 'status':
          await showStatus(session, one('incident id'), values.json);
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
        case 'approve':
        case 'reject':
          return (await decide(session, command, one('incident id'), values.by, values.comment)) ? 0 : 3;
        case 'guard':
          await showGuard(session, one('target (e.g. mysql/default)'), values.json);
          return 0;
        case 'override':
          return (await overrideGuard(session, one('target (e.g. mysql/default)'), values.by, values.comment)) ? 0 : 3;
        default:
          throw new UsageError(`unknown command "${command}"\n\n${usage}`);
      }
    } finally {
      if (client) await (await client.catch(() => undefined))?.connection.close();
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`mend: ${(e as Error).message}`);
      return 2;
    }
    err(`mend: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
