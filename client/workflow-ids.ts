// A fresh workflow id for what an operator starts (an incident, a DR run, a drill).
import { randomBytes } from 'node:crypto';

/** `<prefix>-<UTC yyyymmddhhmmss>-<4 hex>`: sorts by start time, and two starts in one second differ. */
export const newWorkflowId = (prefix: string) => `${prefix}-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
