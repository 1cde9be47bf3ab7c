/**
 * `serve` killed with SIGKILL and started again on its data folder: no acknowledged event lost or
 * stored twice, every due breach alerted exactly once across the restarts (once per channel),
 * retractions published, and what a dead process was alerting taken over at once.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_SECRET } from '../../lib/sources/secrets';
import { serve, until } from '../support/cli';
import { signed } from '../support/webhooks';

const MIN = 60_000;
const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

interface Received {
  alertId: string;
  kind: string;
  ticketId: string;
  rule: string;
}

/** An alert webhook receiver: answers 200, or (`hang`) never answers; records every POST. */
async function receiver(hang = false) {
  const posts: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posts.push((JSON.parse(body) as { alert: Received }).alert);
      if (!hang) res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The alerts file's complete lines (the server may be appending one). */
const alertsIn = (file: string): Received[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l) as Received)
    : [];

const countBy = (alerts: readonly Received[]) => {
  const n = new Map<string, number>();
  for (const a of alerts) n.set(a.alertId, (n.get(a.alertId) ?? 0) + 1);
  return n;
};

/** A P1 enterprise ticket created at `at`. */
const p1Created = (id: string, ticketId: string, at: number) => ({
  id,
  ticketId,
  type: 'ticket.created',
  at: new Date(at).toISOString(),
  severity: 'P1',
  client: { id: 'c', tier: 'enterprise' },
});

const post = (url: string, events: object[]) => {
  const { body, headers } = signed('canonical', events, { secret: DEV_SECRET });
  return fetch(`${url}/webhooks/canonical`, { method: 'POST', body, headers, signal: AbortSignal.timeout(5_000) });
};

describe('serve across SIGKILL and restart', () => {
  it('delivers an alert caught mid-delivery by the kill, once per channel, right after the restart', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-crash-'));
    const file = join(data, 'alerts.jsonl');
    const hanging = await receiver(true);
    const first = await serve(['--data', data, '--grace', '0', '--alerts-webhook', hanging.url]);
    const created = Date.now() - 6 * MIN;
    const r = await post(first.url, [p1Created('c1', 'T-C1', created)]);
    expect(r.status).toBe(200);
    // the first breach is on the console and in the file, and its webhook POST hangs: kill now
    await until(() => hanging.posts.length > 0 || undefined, 10);
    await killed(first.child);
    hanging.close();
    expect(alertsIn(file).map((a) => a.rule)).toEqual([hanging.posts[0]?.rule]);

    const working = await receiver();
    const second = await serve(['--data', data, '--grace', '0', '--alerts-webhook', working.url]);
    expect(second.output()).toMatch(/1 changed tickets? left to reconcile/);
    await until(() => working.posts.length >= 2 || undefined, 10);
    await new Promise((r) => setTimeout(r, 500)); // nothing more comes
    await killed(second.child);
    working.close();
    expect(working.posts.map((a) => a.rule).sort()).toEqual(['incident-form', 'l2-paged']);
    // the file has each alert once: the one written before the kill was not written again
    expect([...countBy(alertsIn(file)).values()]).toEqual([1, 1]);
  });

  it('three SIGKILLs at random moments under load: nothing acknowledged lost or doubled, every breach alerted once', async () => {
    const data = mkdtempSync(join(tmpdir(), 'ea-crash-'));
    const file = join(data, 'alerts.jsonl');
    const created = Date.now() - 6 * MIN;
    // 90 P1 tickets past their 5-minute deadlines; a third get a form filed in time, delivered late
    const tickets = Array.from({ length: 90 }, (_, i) => `T-${i}`);
    const late = new Set(tickets.filter((_, i) => i % 3 === 0));
    const events = tickets.flatMap((ticketId) => [
      p1Created(`${ticketId}-c`, ticketId, created),
      ...(late.has(ticketId)
        ? [
            {
              id: `${ticketId}-f`,
              ticketId,
              type: 'incident_form.created',
              at: new Date(created + 2 * MIN).toISOString(),
            },
          ]
        : []),
    ]);
    // batches of 1 to 4; a sender redelivers what was not acknowledged, and some of what was
    const batches: object[][] = [];
    for (let i = 0; i < events.length; ) {
      const n = 1 + (i % 4);
      batches.push(events.slice(i, i + n));
      i += n;
    }
    const acknowledged = new Set<string>();
    let url = '';
    let down = false;
    const sendAll = async (queue: object[][]) => {
      const worker = async () => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) {
          try {
            const r = await post(url, batch);
            if (r.status !== 200) throw new Error(`status ${r.status}`);
            for (const e of batch as { id: string }[]) acknowledged.add(e.id);
            if (Math.random() < 0.2) queue.push(batch); // a redelivery
          } catch {
            queue.push(batch);
            if (down) return; // the server is gone: the next cycle sends it
            await new Promise((r) => setTimeout(r, 20));
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    };

    const queue = [...batches];
    for (let cycle = 0; cycle < 3; cycle++) {
      const s = await serve(['--data', data, '--grace', '0']);
      url = s.url;
      down = false;
      const sending = sendAll(queue);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 600));
      down = true;
      await killed(s.child);
      await sending;
    }
    const last = await serve(['--data', data, '--grace', '0']);
    url = last.url;
    down = false;
    await sendAll(queue);
    for (const batch of batches) for (const e of batch as { id: string }[]) expect(acknowledged.has(e.id)).toBe(true);

    // every breach alerted: two per ticket, less the forms that arrived before the deadline was judged
    const settled = () => {
      const alerts = alertsIn(file);
      return tickets.every((t) => {
        const of = alerts.filter((a) => a.ticketId === t);
        const l2 = of.some((a) => a.kind === 'breach' && a.rule === 'l2-paged');
        const form = of.filter((a) => a.rule === 'incident-form').map((a) => a.kind);
        return l2 && (late.has(t) ? form.length === 0 || form.length === 2 : form.length === 1);
      });
    };
    await until(() => settled() || undefined, 75);
    await new Promise((r) => setTimeout(r, 500));
    const alerts = alertsIn(file);
    // exactly once each across the restarts
    expect([...countBy(alerts).entries()].filter(([, n]) => n > 1)).toEqual([]);
    for (const t of tickets) {
      const of = alerts.filter((a) => a.ticketId === t);
      const form = of.filter((a) => a.rule === 'incident-form').map((a) => a.kind);
      expect(of.filter((a) => a.rule === 'l2-paged').map((a) => a.kind)).toEqual(['breach']);
      expect(form).toEqual(late.has(t) ? (form.length ? ['breach', 'retraction'] : []) : ['breach']);
    }
    // every acknowledged event stored once, nothing else
    for (const t of tickets) {
      const view = (await (await fetch(`${last.url}/tickets/${t}`)).json()) as { history: { id: string }[] };
      expect(view.history.map((e) => e.id).sort()).toEqual(
        events
          .filter((e) => e.ticketId === t)
          .map((e) => e.id)
          .sort(),
      );
    }
    await killed(last.child);
  }, 120_000);
});
