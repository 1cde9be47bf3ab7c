/**
 * Ingest throughput and latency of the local server (`serve --memory`, the embedded dynalite
 * store) at concurrency 50: signed canonical webhooks, one event per request as helpdesks send
 * them, then batches of 10. Every stored change is reconciled (timers armed, due breaches judged)
 * off the request path; the figures say how long after the last answer the backlog was done.
 * Also the DynamoDB write requests per event (storing and reconciling), from /healthz.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { DEV_SECRET } from '../lib/sources/secrets';

const BIN = join(import.meta.dirname, '../bin/escalation-auditor.mjs');
const CONCURRENCY = 50;
/** Tickets per run: each is created by one of the first events, then updated. */
const TICKETS = 2000;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  // SERVE_CPU_PROF=<dir> writes CPU profiles of the server's threads there when it stops
  const profile = process.env.SERVE_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SERVE_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, BIN, 'serve', '--memory', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return { url, child };
}

/** A webhook ready to send: its body and signature are made before the clock starts. */
interface Prepared {
  readonly body: string;
  readonly signature: string;
}

function prepare(body: string): Prepared {
  return { body, signature: `sha256=${createHmac('sha256', DEV_SECRET).update(body).digest('hex')}` };
}

/** The answer's status, or the error that stopped the request (counted as a failure, not fatal). */
function post(url: string, { body, signature }: Prepared): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/webhooks/canonical`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-signature': signature } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', resolve);
    req.end(body);
  });
}

interface Health {
  store: { requests: number; items: number };
  reconciling: number;
  eventLoopDelayMs: { p99: number; max: number };
  cpuSeconds: number;
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health;
}

/** Waits until every stored change has been reconciled (timers armed); returns when. */
async function drained(url: string): Promise<number> {
  while ((await health(url)).reconciling > 0) await new Promise((r) => setTimeout(r, 20));
  return performance.now();
}

/** Event n of a stream over `tickets` tickets: each ticket is created, then updated. */
function event(run: string, n: number, tickets: number): object {
  const ticket = `${run}-T${n % tickets}`;
  // live traffic: stamped when the run is prepared (seconds before it is sent), so the deadlines
  // and timers are those of a live service
  const at = new Date().toISOString();
  if (n < tickets)
    return {
      id: `${run}-${n}`,
      ticketId: ticket,
      type: 'ticket.created',
      at,
      severity: 'P1',
      client: { id: 'c', tier: 'enterprise' },
    };
  return {
    id: `${run}-${n}`,
    ticketId: ticket,
    type: 'client.update',
    at,
    actor: { role: 'CSM' },
    status: 'Working on it',
    etr: at,
  };
}

async function run(url: string, name: string, events: number, batch: number, concurrency = CONCURRENCY): Promise<void> {
  const requests = Math.ceil(events / batch);
  /** By request: the first ones create the tickets, the rest update them. */
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let firstFailure = '';
  await drained(url);
  // the load generator shares the server's two cores: what it can do before the clock starts, it does
  const prepared = Array.from({ length: requests }, (_, r) => {
    const lines = [];
    for (let i = r * batch; i < Math.min(events, (r + 1) * batch); i++)
      lines.push(JSON.stringify(event(name, i, TICKETS)));
    return prepare(lines.join('\n'));
  });
  const before = await health(url);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let r = next++; r < requests; r = next++) {
        const t = performance.now();
        const status = await post(url, prepared[r] as Prepared);
        latencies[r] = performance.now() - t;
        if (status !== 200) {
          failed++;
          firstFailure ||= status instanceof Error ? status.message : `HTTP ${status}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const lag = ((await drained(url)) - started) / 1000 - seconds;
  const after = await health(url);
  const creating = latencies.slice(0, Math.ceil(TICKETS / batch)).sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const pct = (p: number, of = latencies) =>
    (of[Math.min(of.length - 1, Math.floor((p / 100) * of.length))] as number).toFixed(1);
  const perEvent = (x: number) => (x / events).toFixed(2);
  if (name === 'warmup') {
    if (failed) console.log(`warmup: ${failed} requests failed (the first: ${firstFailure})`);
    return;
  }
  console.log(
    `${`c=${concurrency}, ${batch === 1 ? 'one event per request' : `${batch} events per request`}`.padEnd(31)} ${Math.round(
      events / seconds,
    )
      .toLocaleString('en-US')
      .padStart(7)} events/s` +
      `  ${Math.round(requests / seconds)
        .toLocaleString('en-US')
        .padStart(6)} requests/s  latency p50 ${pct(50)} ms, p99 ${pct(99)} ms` +
      `  DynamoDB: ${perEvent(after.store.requests - before.store.requests)} write requests/event (${perEvent(after.store.items - before.store.items)} items)` +
      `  server CPU ${Math.round(((after.cpuSeconds - before.cpuSeconds) * 1e6) / events)} µs/event` +
      `  reconciled ${lag.toFixed(1)} s after the last answer` +
      `  latency p90 ${pct(90)} ms, max ${pct(100)} ms, p99 of the requests creating tickets ${pct(99, creating)} ms` +
      `; server event loop delay p99 ${after.eventLoopDelayMs.p99.toFixed(0)} ms` +
      (failed ? `  ${failed} failed (the first: ${firstFailure})` : ''),
  );
}

export async function benchIngest(events = 20_000): Promise<void> {
  console.log(
    `\n## ingest: serve --memory (embedded dynalite), ${CONCURRENCY} concurrent clients, ${events.toLocaleString('en-US')} events`,
  );
  const { url, child } = await startServer();
  try {
    await run(url, 'warmup', 2_000, 1);
    await run(url, 'single', events, 1);
    await run(url, 'batch', events, 10);
    await run(url, 'calm', events / 4, 1, 10);
  } finally {
    child.kill();
    agent.destroy();
  }
}
