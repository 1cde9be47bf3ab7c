import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { abstractLevel, classicLevel } from '../../../lib/adapters/dynamodb/dynalite.mjs';
import { dynamoClient, ONE_PASS_TABLES, startDynalite } from '../../../lib/adapters/dynamodb/local';
import { DynamoStore, ensureTable } from '../../../lib/adapters/dynamodb/store';
import { createdEvent as created } from '../../support/canonical';

const dir = mkdtempSync(join(tmpdir(), 'ea-iterators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the embedded engine on a data folder', () => {
  it('closes the LevelDB iterator of every query once read (unclosed, each held its snapshot until shutdown)', async () => {
    const proto = abstractLevel.AbstractIterator?.prototype as { close(): Promise<void> };
    const close = proto.close;
    let closed = 0;
    proto.close = function (this: unknown) {
      closed++;
      return close.call(this);
    };
    const engine = await startDynalite({ path: join(dir, 'data') });
    try {
      const client = dynamoClient(engine);
      await ensureTable(client, 'iterators');
      const store = new DynamoStore({ client, table: 'iterators' });
      await store.append(Array.from({ length: 20 }, (_, i) => created(`e${i}`, `T-${i}`)));
      closed = 0;
      for (let i = 0; i < 20; i++) expect((await store.ticket(`T-${i}`)).events).toHaveLength(1);
      // one iterator per query, each closed when its stream ended, not when the engine closes
      expect(closed).toBeGreaterThanOrEqual(20);
      client.destroy();
    } finally {
      proto.close = close;
      await engine.close();
    }
  });

  it('keeps as many LevelDB tables open as asked (each open table is mapped into memory)', async () => {
    const proto = classicLevel.ClassicLevel.prototype;
    const open = proto._open;
    const opened: { maxOpenFiles?: number }[] = [];
    proto._open = function (this: unknown, options: object) {
      opened.push(options);
      return open.call(this, options);
    };
    try {
      await (await startDynalite({ path: join(dir, 'tables'), openTables: ONE_PASS_TABLES })).close();
      await (await startDynalite({ path: join(dir, 'tables') })).close();
    } finally {
      proto._open = open;
    }
    // a read once through keeps few open; serve (random reads) keeps LevelDB's default
    expect(opened.map((o) => o.maxOpenFiles)).toEqual([64, undefined]);
  });
});
