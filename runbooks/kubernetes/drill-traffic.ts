// The extra traffic of the overload drill: GETs of one URL at a steady rate, sent from the worker that injected
// it. It stops when this worker's undo stops it, when `goOn` (asked every 2 s) says the drill is over, which lets
// an undo on another worker end it, or after `forMs` at the latest.
import { paced } from 'mend';

const running = new Map<string, () => void>();
/** Requests in flight at most: a URL that stops answering is not flooded with sockets. */
const inFlightAtMost = 200;

export interface Traffic {
  url: string;
  perSecond: number;
  forMs: number;
  /** False once the traffic must stop; an error counts as true (the API may be slow during a drill). */
  goOn(): Promise<boolean>;
}

/** Starts (or restarts) the traffic named `key`. */
export function startTraffic(key: string, t: Traffic): void {
  running.get(key)?.();
  let inFlight = 0;
  const pacer = paced(t.perSecond, () => {
    if (inFlight >= inFlightAtMost) return;
    inFlight++;
    fetch(t.url, { signal: AbortSignal.timeout(2000) })
      .then((res) => res.body?.cancel())
      .catch(() => undefined)
      .finally(() => inFlight--);
  });
  pacer.unref();
  const until = Date.now() + t.forMs;
  const check = setInterval(() => {
    if (Date.now() > until) return stop();
    t.goOn().then(
      (on) => on || stop(),
      () => undefined,
    );
  }, 2000);
  check.unref();
  const stop = () => {
    pacer.stop();
    clearInterval(check);
    if (running.get(key) === stop) running.delete(key);
  };
  running.set(key, stop);
}

/** Stops the traffic named `key` if this worker sends it. */
export function stopTraffic(key: string): void {
  running.get(key)?.();
}
