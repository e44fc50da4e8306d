// mend's shipped Zabbix media type (deploy/zabbix/media_mend.yaml), run as Zabbix would run it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './processes';

export const mediaType = parse(readFileSync(join(root, 'deploy', 'zabbix', 'media_mend.yaml'), 'utf8')).zabbix_export.media_types[0];

/** The media type's parameters with its macros resolved from `macros` (unknown macros stay as text, as in Zabbix). */
export function resolveParams(macros: Record<string, string>): Record<string, string> {
  const params: Record<string, string> = {};
  for (const { name, value = '' } of mediaType.parameters as { name: string; value?: string }[]) {
    params[name] = value.replace(/\{[A-Z0-9.$_]+\}/g, (m) => macros[m] ?? m);
  }
  return params;
}

export function runMediaType(params: Record<string, string>): Promise<{ result?: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(__dirname, 'zabbix-runner.cjs')], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
    child.stdin!.end(JSON.stringify({ script: mediaType.script, params }));
  });
}
