// The shop's load generator: product reads and orders at a steady rate (open loop: a slow shop does not slow it), and
// every request's outcome, the business SLI. An order counts as acknowledged only once the shop answered 201 with
// its id, so a drill can compare acknowledged orders with the rows present afterwards.
// `node dist/examples/shop/app/load.js --url http://127.0.0.1:8088 [--rate 20] [--duration 60s] [--out outcomes.jsonl]`
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { paced, type WorkloadOutcome } from 'mend';

export interface LoadOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  /** Share of the requests that are orders; the rest read a product. */
  orderShare: number;
  /** Product ids 1..products. */
  products: number;
  timeoutMs: number;
  /** Appends each outcome as a JSON line. */
  out?: string;
}

/** A drill's workload outcome (mend's WorkloadOutcome): ackedId is the order id the shop acknowledged. */
export interface RequestOutcome extends WorkloadOutcome {
  route: 'product' | 'order';
}

export interface LoadSummary {
  sent: number;
  /** Sent and not answered yet (each ends within the timeout). */
  inFlight: number;
  ok: number;
  /** Ended without a 2xx: an error status or no answer. */
  failed: number;
  /** Order ids the shop acknowledged. */
  acked: number[];
  /** ok / (ok + failed): the share of ended requests that succeeded (1 before any ended). */
  sli: number;
}

export interface Load {
  outcomes: RequestOutcome[];
  summary(): LoadSummary;
  /** Stops sending, waits for the requests in flight, and sums up. */
  stop(): Promise<LoadSummary>;
}

export const succeeded = (o: RequestOutcome) => o.status >= 200 && o.status < 300;

export function startLoad(options: LoadOptions): Load {
  const outcomes: RequestOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const out: WriteStream | undefined = options.out ? createWriteStream(options.out, { flags: 'a' }) : undefined;
  const send = async (i: number) => {
    const isOrder = ((i * 7919) % 1000) / 1000 < options.orderShare; // spread evenly, the same each run
    const productId = 1 + ((i + 1) % options.products);
    const at = Date.now();
    const outcome: RequestOutcome = { at, route: isOrder ? 'order' : 'product', status: 0, ms: 0 };
    try {
      const res = await fetch(isOrder ? `${options.url}/orders` : `${options.url}/products/${productId}`, {
        method: isOrder ? 'POST' : 'GET',
        headers: isOrder ? { 'content-type': 'application/json' } : {},
        body: isOrder ? JSON.stringify({ productId, quantity: 1 }) : undefined,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      outcome.status = res.status;
      const body = (await res.json().catch(() => ({}))) as { id?: number };
      if (isOrder && res.status === 201 && Number.isInteger(body.id)) outcome.ackedId = body.id;
    } catch {
      // no answer: status 0
    }
    outcome.ms = Date.now() - at;
    outcomes.push(outcome);
    out?.write(`${JSON.stringify(outcome)}\n`);
  };
  const pacer = paced(options.rate, (i) => {
    const request = send(i).finally(() => inFlight.delete(request));
    inFlight.add(request);
  });
  const summary = (): LoadSummary => {
    const ok = outcomes.filter(succeeded).length;
    const acked = outcomes.flatMap((o) => (o.ackedId === undefined ? [] : [o.ackedId]));
    return { sent: pacer.sent, inFlight: pacer.sent - outcomes.length, ok, failed: outcomes.length - ok, acked, sli: outcomes.length ? ok / outcomes.length : 1 };
  };
  return {
    outcomes,
    summary,
    stop: async () => {
      pacer.stop();
      await Promise.all(inFlight);
      if (out) await new Promise((resolve) => out.end(resolve));
      return summary();
    },
  };
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8088' },
      rate: { type: 'string', default: '20' },
      duration: { type: 'string' },
      'order-share': { type: 'string', default: '0.2' },
      out: { type: 'string' },
    },
  });
  const rate = Number(values.rate);
  const orderShare = Number(values['order-share']);
  const seconds = values.duration === undefined ? undefined : Number(/^(\d+)s?$/.exec(values.duration)?.[1] ?? Number.NaN);
  const problem = !(rate > 0 && rate <= 1000)
    ? '--rate must be more than 0 and at most 1000 requests per second'
    : !(orderShare >= 0 && orderShare <= 1)
      ? '--order-share must be 0 to 1'
      : Number.isNaN(seconds)
        ? '--duration is seconds, e.g. 60s'
        : undefined;
  if (problem) {
    console.error(`shop load: ${problem}`);
    process.exit(2);
  }
  const load = startLoad({ url: values.url!, rate, orderShare, products: 100, timeoutMs: 2000, out: values.out });
  const line = (s: LoadSummary) => `sent ${s.sent}, waiting ${s.inFlight}, ok ${s.ok}, failed ${s.failed}, orders acknowledged ${s.acked.length}, SLI ${(s.sli * 100).toFixed(2)}%`;
  const progress = setInterval(() => console.log(line(load.summary())), 10_000);
  const finish = () => {
    clearInterval(progress);
    void load.stop().then((s) => {
      console.log(line(s));
      process.exit(0);
    });
  };
  process.once('SIGINT', finish).once('SIGTERM', finish);
  if (seconds !== undefined) setTimeout(finish, seconds * 1000);
}
