/**
 * The embedded engine's bulk read of partitions (lib/adapters/dynamodb/dynalite.mjs) against a
 * Query per partition over the same data folder: dense and sparse asks (a seek between two),
 * partitions longer than one read, keys that share a prefix, partitions of other kinds between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoClient, startDynalite } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../../../lib/adapters/dynamodb/store';
import type { CanonicalEvent } from '../../../lib/events/schema';

const dir = mkdtempSync(join(tmpdir(), 'ea-partitions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const event = (ticketId: string, n: number): CanonicalEvent =>
  n === 0
    ? {
        id: `${ticketId}-0`,
        ticketId,
        type: 'ticket.created',
        at: '2026-03-02T10:00:00Z',
        severity: 'P1',
        client: { id: 'acme', tier: 'enterprise' },
      }
    : {
        id: `${ticketId}-${n}`,
        ticketId,
        type: 'client.update',
        at: `2026-03-02T11:${String(n % 60).padStart(2, '0')}:00Z`,
      };

describe.each([false, true])('the bulk read of partitions (engine on a thread: %s)', (thread) => {
  it('reads what a Query per partition reads, for any subset asked, each once', async () => {
    const engine = await startDynalite({ thread, path: join(dir, `data-${thread}`) });
    const client = dynamoClient(engine);
    try {
      await ensureTable(client, 'bulk');
      const queried = new DynamoStore({ client, table: 'bulk' });
      const bulk = new DynamoStore({
        client,
        table: 'bulk',
        ...(engine.partitions ? { partitions: engine.partitions } : {}),
      });
      // T-1, T-10, T-100: partition keys that are prefixes of each other; T-7 longer than one read (128)
      const tickets = Array.from({ length: 400 }, (_, i) => `T-${i}`);
      const events = tickets.flatMap((t, i) =>
        Array.from({ length: t === 'T-7' ? 300 : 1 + (i % 4) }, (_, n) => event(t, n)),
      );
      for (let i = 0; i < events.length; i += 500) await queried.append(events.slice(i, i + 500));
      // partitions of other kinds among them
      await queried.addWaiver(
        {
          id: 'W-1',
          scope: { ticketId: 'T-3' },
          reason: 'agreed with the client',
          approver: 'maria',
          grantedAt: '2026-03-02T10:00:00Z',
          expiresAt: '2026-03-03T10:00:00Z',
        },
        1,
      );
      await queried.flagChanged(['T-5'], 1);
      const asks = {
        all: tickets,
        sparse: tickets.filter((_, i) => i % 37 === 0),
        prefixes: ['T-1', 'T-10', 'T-100', 'T-7', 'T-unknown'],
        none: [],
      };
      for (const [name, ask] of Object.entries(asks)) {
        const got = new Map<string, string[]>();
        for await (const t of bulk.tickets(ask)) {
          expect(got.has(t.ticketId), `${name}: ${t.ticketId} twice`).toBe(false);
          got.set(
            t.ticketId,
            t.events.map((e) => e.id),
          );
        }
        expect([...got.keys()].sort(), name).toEqual([...ask].sort());
        for (const id of ask)
          expect(got.get(id), `${name}: ${id}`).toEqual((await queried.history(id)).map((e) => e.id));
      }
      expect((await queried.history('T-7')).length).toBe(300);
    } finally {
      client.destroy();
      await engine.close();
    }
  });
});
