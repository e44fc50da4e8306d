// What the core pack's actions record (response bodies, command output) goes into workflow history: secrets are
// hidden first, then the text is cut to its excerpt.

const secretField = /("?[\w-]*(?:password|passwd|token|secret|key|cookie|authorization|credential)[\w-]*"?\s*[:=]\s*)("[^"]*"|[^\s,&}]+)/gi;

/** The excerpt of `text`: the given secrets and the values of fields named like secrets hidden, then cut to `length`. */
export function redactedExcerpt(text: string, length: number, secrets: (string | undefined)[] = []): string {
  let hidden = text;
  for (const secret of secrets) if (secret) hidden = hidden.split(secret).join('[redacted]');
  return hidden.replace(secretField, '$1[redacted]').slice(0, length);
}
