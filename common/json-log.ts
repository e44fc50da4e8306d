// One JSON object per line on stdout: what the worker and the gateway log. Never pass secrets or raw payloads.
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const order: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export function jsonLog(minimum: LogLevel = (process.env.MEND_LOG_LEVEL?.toUpperCase() as LogLevel) ?? 'INFO'): Log {
  const floor = Math.max(0, order.indexOf(minimum));
  return (level, message, fields) => {
    if (order.indexOf(level) < floor) return;
    console.log(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
  };
}
