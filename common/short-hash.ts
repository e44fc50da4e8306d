// Compact, stable ids from text (Node only: not for workflow code).
import { createHash } from 'node:crypto';

/** The first `length` hex digits of the text's sha256. */
export const shortHash = (text: string, length = 16): string => createHash('sha256').update(text).digest('hex').slice(0, length);
