// One JSON object per line on stdout: what the worker and the gateway log. Never pass secrets or raw payloads.
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const order: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Writes one line, whatever the level filter (e.g. the "ready" lines scripts wait for). */
export function logLine(level: string, message: string, fields?: Record<string, unknown>, time = new Date()): void {
  console.log(JSON.stringify({ time: time.toISOString(), level, message, ...fields }));
}

/** A logger that drops lines below `minimum` (MEND_LOG_LEVEL by default). */
export function jsonLog(minimum: LogLevel = (process.env.MEND_LOG_LEVEL?.toUpperCase() as LogLevel) ?? 'INFO'): Log {
  const floor = Math.max(0, order.indexOf(minimum));
  return (level, message, fields) => {
    if (order.indexOf(level) >= floor) logLine(level, message, fields);
  };
}
