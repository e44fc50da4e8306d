// Route params templated from the alert: "{{ labels.instance }}", "{{ annotations.summary }}", "{{ group }}",
// "{{ source }}", alone or inside text ("redis-{{ labels.shard }}"), optionally through a pack's lookups:
// "{{ labels.instance | mysql.cluster }}" names the configured cluster that instance belongs to.
export interface TemplateContext {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  group: string;
  source: string;
  /** Runs a pack's lookup (`mysql.cluster`) on a value; throws, saying why, when it finds nothing. */
  lookup?: (name: string, value: string) => string;
}

export interface Template {
  /** True when the text holds at least one {{ ... }}. */
  readonly templated: boolean;
  /** The lookups it uses, e.g. ["mysql.cluster"]. */
  readonly lookups: string[];
  render(ctx: TemplateContext): string;
}

const placeholder = /\{\{\s*(.*?)\s*\}\}/g;
const reference = /^(?:(labels|annotations)\.([A-Za-z_][A-Za-z0-9_]*)|(group|source))$/;
const lookupName = /^[a-z][a-z0-9-]*\.[A-Za-z][A-Za-z0-9]*$/;

type Part = string | ((ctx: TemplateContext) => string);

/** Parses a template; throws naming the bad placeholder. */
export function parseTemplate(text: string): Template {
  const parts: Part[] = [];
  const lookups: string[] = [];
  let last = 0;
  for (const m of text.matchAll(placeholder)) {
    parts.push(text.slice(last, m.index));
    const [ref, ...filters] = m[1].split('|').map((p) => p.trim());
    for (const f of filters) if (!lookupName.test(f)) throw new Error(`"${f}" in {{ ${m[1]} }} is not a lookup: use <pack>.<lookup>, e.g. mysql.cluster`);
    lookups.push(...filters);
    parts.push(piped(valueAt(ref), filters));
    last = m.index + m[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes('{{') || rest.includes('}}')) throw new Error(`unbalanced braces in "${text}"`);
  parts.push(rest);
  return {
    templated: parts.some((p) => typeof p !== 'string'),
    lookups,
    render: (ctx) => parts.map((p) => (typeof p === 'string' ? p : p(ctx))).join(''),
  };
}

/** The value passed through each lookup in turn. */
function piped(value: (ctx: TemplateContext) => string, filters: string[]): (ctx: TemplateContext) => string {
  if (!filters.length) return value;
  return (ctx) =>
    filters.reduce((v, name) => {
      if (!ctx.lookup) throw new LookupFailed(name, 'no lookups given');
      try {
        return ctx.lookup(name, v);
      } catch (err) {
        throw new LookupFailed(name, (err as Error).message);
      }
    }, value(ctx));
}

function valueAt(ref: string): (ctx: TemplateContext) => string {
  const m = reference.exec(ref);
  if (!m) throw new Error(`{{ ${ref} }} is not a known value: use labels.<name>, annotations.<name>, group or source`);
  const [, map, name, field] = m;
  if (field) return (ctx) => ctx[field as 'group' | 'source'];
  return (ctx) => {
    const values = ctx[map as 'labels' | 'annotations'];
    if (!Object.hasOwn(values, name)) throw new MissingValue(`${map}.${name}`);
    return values[name];
  };
}

export class MissingValue extends Error {
  constructor(readonly ref: string) {
    super(`the alert has no ${ref}`);
    this.name = 'MissingValue';
  }
}

export class LookupFailed extends Error {
  constructor(
    readonly lookup: string,
    readonly reason: string,
  ) {
    super(`${lookup}: ${reason}`);
    this.name = 'LookupFailed';
  }
}
