// Request bodies → JSON values, refusing what no alert source sends: nesting deeper than a limit (checked in one
// pass before parsing, so a hostile body costs little) and keys that would pollute prototypes.
import { parse } from 'secure-json-parse';

export const maxDepth = 32;

const [open1, open2, close1, close2, quote, backslash] = ['[', '{', ']', '}', '"', '\\'].map((c) => c.charCodeAt(0));

/** Parses a JSON body; throws an Error whose message says what is wrong. */
export function parseJsonBody(body: Buffer): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === backslash) i++;
      else if (c === quote) inString = false;
    } else if (c === quote) inString = true;
    else if (c === open1 || c === open2) {
      if (++depth > maxDepth) throw new Error(`nested deeper than ${maxDepth} levels`);
    } else if (c === close1 || c === close2) depth--;
  }
  return parse(body.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' });
}
