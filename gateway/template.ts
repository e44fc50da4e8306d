// Route params templated from the alert: "{{ labels.instance }}", "{{ annotations.summary }}", "{{ group }}",
// "{{ source }}", alone or inside text ("redis-{{ labels.shard }}").
export interface TemplateContext {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  group: string;
  source: string;
}

export interface Template {
  /** True when the text holds at least one {{ ... }}. */
  readonly templated: boolean;
  render(ctx: TemplateContext): string;
}

const placeholder = /\{\{\s*(.*?)\s*\}\}/g;
const reference = /^(?:(labels|annotations)\.([A-Za-z_][A-Za-z0-9_]*)|(group|source))$/;

type Part = string | ((ctx: TemplateContext) => string);

/** Parses a template; throws naming the bad placeholder. */
export function parseTemplate(text: string): Template {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(placeholder)) {
    parts.push(text.slice(last, m.index));
    parts.push(lookup(m[1]));
    last = m.index + m[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes('{{') || rest.includes('}}')) throw new Error(`unbalanced braces in "${text}"`);
  parts.push(rest);
  return {
    templated: parts.some((p) => typeof p !== 'string'),
    render: (ctx) => parts.map((p) => (typeof p === 'string' ? p : p(ctx))).join(''),
  };
}

function lookup(ref: string): (ctx: TemplateContext) => string {
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
