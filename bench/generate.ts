/**
 * Deterministic synthetic exports: tickets whose histories look like a real helpdesk's (mostly
 * compliant, some late, some silent), as JSON Lines ordered by time like an export.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const MIN = 60_000;

/** Bumped whenever the generated histories change, so that cached exports are made anew. */
export const GENERATOR_VERSION = 2;

/** mulberry32: a small seeded PRNG, so every run generates the same file. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const QUEUES = ['EMEA', 'Americas', 'APAC'] as const;

interface Raw {
  t: number;
  json: string;
}

/**
 * One ticket's history, about ten events on average. With `heavy`, one ticket in a hundred is a
 * P0/P1 whose first steps are done and which then stays open and silent for days: it misses
 * every 2-hourly client update until the audit time (the mix that breaks naive renderers).
 */
export function ticketEvents(n: number, start: number, rnd: () => number, heavy = false): Raw[] {
  const ticketId = `T-${n}`;
  const out: Raw[] = [];
  let seq = 0;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const add = (t: number, type: string, fields: Record<string, unknown> = {}) =>
    out.push({
      t,
      json: JSON.stringify({ id: `${ticketId}-${++seq}`, ticketId, type, at: new Date(t).toISOString(), ...fields }),
    });
  const late = () => (rnd() < 0.1 ? 3 + rnd() * 10 : rnd() * 4) * MIN;
  const client = { id: `client-${n % 997}`, tier: rnd() < 0.9 ? 'enterprise' : 'standard' };
  // Teams and agents by ticket number (no draw from rnd, so the histories stay as they were).
  const queue = QUEUES[n % QUEUES.length];
  const l1 = { id: `l1-${n % 9}`, role: 'L1' };
  const l1b = { id: `l1-${(n + 4) % 9}`, role: 'L1' };
  const l2 = `l2-${n % 5}`;
  const r = rnd();
  if (heavy && n % 100 === 0) {
    add(start, 'ticket.created', { severity: n % 200 ? 'P1' : 'P0', client, actor: l1, queue });
    add(start + 2 * MIN, 'incident_form.created', { actor: l1 });
    add(start + 3 * MIN, 'escalated', { toTier: 'L2', channel: 'page' });
    add(start + 10 * MIN, 'escalated', { toTier: 'L3', channel: 'incident_system' });
    add(start + 20 * MIN, 'ownership.taken', { tier: 'L3', actor: { id: `sre-${n % 4}`, role: 'L3' } });
    return out;
  }
  if (r < 0.15) {
    add(start, 'ticket.created', { severity: pick(['P0', 'P1']), client, actor: l1, queue });
    add(start + late(), 'incident_form.created', { actor: l1 });
    add(start + late(), 'escalated', { toTier: 'L2', channel: rnd() < 0.9 ? 'page' : 'ticket_assignment' });
    add(start + 5 * MIN + late() * 2, 'escalated', { toTier: 'L3', channel: 'incident_system' });
    add(start + 15 * MIN + late() * 3, 'ownership.taken', { tier: 'L3', actor: { id: `sre-${n % 4}`, role: 'L3' } });
    const duration = (2 + rnd() * 10) * 60 * MIN;
    for (let u = start + (90 + rnd() * 40) * MIN; u < start + duration; u += (90 + rnd() * 40) * MIN) {
      add(u, 'client.update', {
        actor: { id: `csm-${n % 3}`, role: rnd() < 0.95 ? 'CSM' : 'L3' },
        status: 'Investigating',
        ...(rnd() < 0.95 ? { etr: new Date(u + 4 * 60 * MIN).toISOString() } : {}),
      });
    }
    add(start + duration, 'ticket.resolved');
  } else if (r < 0.75) {
    add(start, 'ticket.created', { severity: pick(['P2', 'P3']), client, actor: l1b, queue });
    for (let i = 1; i <= 4; i++) {
      add(start + i * 8 * MIN, 'client.update', { actor: l1b, status: 'Looking into it' });
    }
    const e = start + (30 + rnd() * 60) * MIN;
    if (rnd() < 0.9) add(e - rnd() * 5 * MIN, 'troubleshooting.documented', { actor: l1b });
    add(e, 'escalated', { toTier: 'L2', channel: 'ticket_assignment' });
    add(e + late(), 'tag.added', { tag: 'Escalate-L2' });
    add(e + 30 * MIN, 'ownership.taken', { tier: 'L2', actor: { id: l2, role: 'L2' }, queue: 'L2 Platform' });
    const handOff = e + rnd() * 3 * 24 * 60 * MIN;
    if (rnd() < 0.3) {
      add(handOff, 'escalated', { toTier: 'L3', channel: 'incident_system' });
      add(handOff + 60 * MIN, 'client.update', {
        actor: { id: l2, role: rnd() < 0.9 ? 'L2' : 'L3' },
        status: 'With R&D',
      });
    }
    add(handOff + 120 * MIN, 'ticket.resolved', { actor: { id: l2, role: 'L2' } });
  } else {
    add(start, 'ticket.created', { severity: 'P4', client, queue });
    for (let i = 0; i < 8; i++) add(start + (i + 1) * 30 * MIN, 'client.update', { actor: l1 });
    add(start + 8 * 60 * MIN, 'ticket.resolved');
  }
  return out;
}

/** Writes events as JSON Lines in blocks of about 1 MiB, waiting when the stream asks to. */
async function writeSorted(out: NodeJS.WritableStream, events: readonly Raw[]): Promise<void> {
  let buffer = '';
  for (const e of events) {
    buffer += `${e.json}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out as NodeJS.EventEmitter, 'drain');
      buffer = '';
    }
  }
  if (buffer && !out.write(buffer)) await once(out as NodeJS.EventEmitter, 'drain');
}

/**
 * Writes `tickets` tickets starting over the week from `weekStart`, ordered by time, and returns
 * the number of events.
 */
export async function writeExport(path: string, tickets: number, weekStart: number, seed = 7): Promise<number> {
  const rnd = random(seed);
  const all: Raw[] = [];
  for (let n = 1; n <= tickets; n++) {
    for (const e of ticketEvents(n, weekStart + Math.floor(rnd() * 7 * 24 * 60) * MIN, rnd)) all.push(e);
  }
  all.sort((a, b) => a.t - b.t);
  const out = createWriteStream(path);
  await writeSorted(out, all);
  out.end();
  await once(out, 'finish');
  return all.length;
}

/**
 * The heavy mix (see `ticketEvents`), written a block of tickets at a time so that ten million
 * events never sit in memory at once: tickets start in time order over the week, and each block's
 * events are sorted by time (the file is in time order within blocks, as exports often are).
 */
export async function writeHeavyExport(path: string, tickets: number, weekStart: number, seed = 11): Promise<number> {
  const rnd = random(seed);
  const starts = Array.from({ length: tickets }, () => weekStart + Math.floor(rnd() * 7 * 24 * 60) * MIN).sort(
    (a, b) => a - b,
  );
  const out = createWriteStream(path);
  let events = 0;
  const BLOCK = 20_000;
  for (let from = 0; from < tickets; from += BLOCK) {
    const block: Raw[] = [];
    for (let n = from + 1; n <= Math.min(tickets, from + BLOCK); n++) {
      for (const e of ticketEvents(n, starts[n - 1] as number, rnd, true)) block.push(e);
    }
    block.sort((a, b) => a.t - b.t);
    await writeSorted(out, block);
    events += block.length;
  }
  out.end();
  await once(out, 'finish');
  return events;
}
