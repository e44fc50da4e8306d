// Sending at a steady rate, open loop (a slow receiver does not slow it): each tick sends what the rate owes by
// now, so a late timer catches up instead of sending less.

export interface Paced {
  /** Calls made so far. */
  readonly sent: number;
  stop(): void;
  /** Lets the process exit while it runs. */
  unref(): void;
}

/** Calls `send(i)` (i = 0, 1, ...) `perSecond` times a second until stopped, the first call at once. */
export function paced(perSecond: number, send: (i: number) => void): Paced {
  const started = Date.now();
  let sent = 0;
  const tick = () => {
    for (const owed = Math.floor(((Date.now() - started) / 1000) * perSecond) + 1; sent < owed; sent++) send(sent);
  };
  tick();
  const timer = setInterval(tick, Math.max(1, Math.floor(1000 / perSecond)));
  return {
    get sent() {
      return sent;
    },
    stop: () => clearInterval(timer),
    unref: () => void timer.unref(),
  };
}
