// Alertmanager's label matchers: name=value, name!=value, name=~regex, name!~regex. A regex must match the whole
// value, and a missing label reads as "" (so `team=""` matches alerts without a team).
export type Labels = Readonly<Record<string, string>>;
export type Matcher = (labels: Labels) => boolean;

const syntax = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Parses one matcher; throws with what is wrong. */
export function parseMatcher(text: string): Matcher {
  const m = syntax.exec(text);
  if (!m) throw new Error(`"${text}" is not a matcher: expected name=value, name!=value, name=~regex or name!~regex`);
  const [, name, op, rawValue] = m;
  const value = unquote(rawValue);
  const read = (labels: Labels) => (Object.hasOwn(labels, name) ? labels[name] : '');
  if (op === '=') return (l) => read(l) === value;
  if (op === '!=') return (l) => read(l) !== value;
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${value})$`, 'u');
  } catch (err) {
    throw new Error(`"${text}": bad regex: ${(err as Error).message}`);
  }
  return op === '=~' ? (l) => regex.test(read(l)) : (l) => !regex.test(read(l));
}

function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'string') return value;
  } catch {
    // reported below
  }
  throw new Error(`${raw} is not a properly quoted string`);
}
