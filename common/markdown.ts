// Pieces of Markdown the reports share (the incident report, the DR report).

/** Text safe inside a Markdown table cell. */
export const tableCell = (text: string) => text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

/** Compact JSON, cut to a readable length. */
export function shortJson(value: unknown, max = 400): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
