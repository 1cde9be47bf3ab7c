/**
 * `serve --data` under sustained load: the generated export of 200,000 tickets (about 2M events)
 * posted as signed canonical batches of 100, eight at a time, as live webhooks: in the export's
 * order, each stamped with the time it is sent (a week replayed in minutes and judged as of now
 * would leave every ticket silent for days and measure a catch-up, not a live service).
 * Every 20,000 tickets' worth it prints serve's RSS, its open file descriptors, the data folder's
 * size and files, the reconcile backlog and the rate; then how long SIGTERM takes, and the
 * folder's size when reopened. Then one ticket's history: 4,000 events posted to it one at a
 * time, and serve's CPU per event as the history grows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eachLine, openSource } from '../cli/lines';
import { DEV_SECRET } from '../lib/sources/secrets';
import { exportFile } from './audit';

const BIN = join(import.meta.dirname, '../bin/escalation-auditor.mjs');
const BATCH = 100;
const IN_FLIGHT = 8;
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function start(data: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

function post(
  url: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string; retryAfter?: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (body) headers['x-signature'] = `sha256=${createHmac('sha256', DEV_SECRET).update(body).digest('hex')}`;
    const req = request(`${url}${path}`, { method: body ? 'POST' : 'GET', agent, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text,
          retryAfter: Number(res.headers['retry-after'] ?? 0) || undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const folder = (dir: string) => {
  const files = readdirSync(dir);
  return { files: files.length, mb: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0) / 2 ** 20 };
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

export async function benchSoak(tickets = 200_000): Promise<void> {
  const file = await exportFile(tickets);
  const data = mkdtempSync(join(tmpdir(), 'ea-soak-'));
  const { url, child } = await start(data);
  const pid = child.pid as number;
  console.log(
    `\n## serve soak: ${tickets.toLocaleString('en-US')} tickets posted to serve --data, batches of ${BATCH}, ${IN_FLIGHT} at a time`,
  );
  const seen = new Set<string>();
  let events = 0;
  let batch: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let mark = performance.now();
  let markEvents = 0;
  let nextReport = 20_000;
  let peak = 0;
  let busy = 0;
  const send = (lines: string[]) => {
    // as a helpdesk does: a 503 with Retry-After (serve's back-pressure) is sent again after it
    const attempt = async (): Promise<void> => {
      const r = await post(url, '/webhooks/canonical', `[${lines.join(',')}]`);
      if (r.status === 503 && r.retryAfter) {
        busy++;
        await new Promise((resolve) => setTimeout(resolve, (r.retryAfter ?? 1) * 1000));
        return attempt();
      }
      if (r.status !== 200) throw new Error(`serve answered ${r.status}: ${r.text}`);
    };
    const p = attempt();
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };
  const report = async () => {
    const health = JSON.parse((await post(url, '/healthz')).text) as { reconciling: number };
    const f = folder(data);
    const rate = (events - markEvents) / ((performance.now() - mark) / 1000);
    const rss = rssMb(pid);
    peak = Math.max(peak, rss);
    console.log(
      `  ${seen.size.toLocaleString('en-US').padStart(8)} tickets ${events.toLocaleString('en-US').padStart(10)} events: RSS ${rss.toFixed(0).padStart(5)} MB, ${String(fds(pid)).padStart(4)} fds, folder ${f.mb.toFixed(0).padStart(5)} MB in ${String(f.files).padStart(4)} files, backlog ${String(health.reconciling).padStart(6)} tickets, ${rate.toFixed(0).padStart(6)} events/s, ${busy} busy answers`,
    );
    mark = performance.now();
    markEvents = events;
  };
  await eachLine(
    await openSource(file),
    (line) => {
      if (!line) return;
      line = line.replace(/"at":"[^"]+"/, `"at":"${new Date().toISOString()}"`);
      const m = /"ticketId":"([^"]+)"/.exec(line);
      if (m) seen.add(m[1] as string);
      batch.push(line);
      events++;
      if (batch.length >= BATCH) {
        send(batch);
        batch = [];
      }
    },
    async () => {
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      if (seen.size >= nextReport) {
        nextReport += 20_000;
        await report();
      }
    },
  );
  if (batch.length) send(batch);
  await Promise.all(inFlight);
  await report();
  const total = (performance.now() - started) / 1000;
  const stopping = performance.now();
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await stopped;
  const stopS = (performance.now() - stopping) / 1000;
  const running = folder(data);
  // reopened: a second serve over the folder, stopped at once
  const again = await start(data);
  const reopened = (() => {
    const s = again.child.pid ? rssMb(again.child.pid) : 0;
    return s;
  })();
  const stoppedAgain = new Promise((resolve) => again.child.once('exit', resolve));
  again.child.kill('SIGTERM');
  await stoppedAgain;
  const after = folder(data);
  console.log(
    `  ${events.toLocaleString('en-US')} events in ${total.toFixed(0)} s (${(events / total).toFixed(0)} events/s); peak RSS ${peak.toFixed(0)} MB; SIGTERM stopped it in ${stopS.toFixed(1)} s; ` +
      `the folder: ${running.mb.toFixed(0)} MB in ${running.files} files at the stop, ${after.mb.toFixed(0)} MB in ${after.files} after reopening (RSS ${reopened.toFixed(0)} MB at start)`,
  );
  console.log('targets: RSS on a plateau at most 1.5 GB, the folder within 2x its reopened size, SIGTERM within 10 s');
  rmSync(data, { recursive: true, force: true });
  await benchHistory();
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One ticket's history growing to `total` events, posted one event per request, one request at a
 * time: serve's CPU per event (request and reconcile) over each stretch of the history.
 */
export async function benchHistory(total = 4_000): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'ea-history-'));
  const { url, child } = await start(data);
  const pid = child.pid as number;
  console.log(
    `\n## one ticket's history: ${total.toLocaleString('en-US')} events posted one at a time to serve --data`,
  );
  const start0 = Date.now() - total * 1_000;
  const event = (i: number) =>
    JSON.stringify(
      i === 0
        ? {
            id: 'H-0',
            ticketId: 'T-LONG',
            type: 'ticket.created',
            at: new Date(start0).toISOString(),
            severity: 'P1',
            client: { id: 'acme', tier: 'enterprise' },
          }
        : {
            id: `H-${i}`,
            ticketId: 'T-LONG',
            type: i % 2 ? 'client.update' : 'tag.added',
            at: new Date(start0 + i * 1_000).toISOString(),
            ...(i % 2
              ? { status: 'investigating', etr: new Date(start0 + total * 2_000).toISOString() }
              : { tag: `t${i}` }),
          },
    );
  const marks = [10, 100, 500, 1_000, 2_000, 3_000, total];
  let from = 0;
  let cpu = cpuSeconds(pid);
  const rows: string[] = [];
  for (let i = 0; i < total; i++) {
    const r = await post(url, '/webhooks/canonical', `[${event(i)}]`);
    if (r.status !== 200) throw new Error(`serve answered ${r.status}: ${r.text}`);
    if (marks.includes(i + 1)) {
      // the reconciles this stretch queued are part of its cost
      while (JSON.parse((await post(url, '/healthz')).text).reconciling > 0) await new Promise((r) => setTimeout(r, 5));
      const now = cpuSeconds(pid);
      rows.push(
        `  events ${String(from + 1).padStart(5)}-${String(i + 1).padEnd(5)} ${(((now - cpu) * 1000) / (i + 1 - from)).toFixed(2)} ms CPU per event`,
      );
      from = i + 1;
      cpu = now;
    }
  }
  for (const row of rows) console.log(row);
  console.log(
    'target: the cost per event at 4,000 events within 2x of the cost at 10 (CPU ticks are 10 ms: short stretches are coarse)',
  );
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await stopped;
  rmSync(data, { recursive: true, force: true });
}
