import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { byKey, type Keyed, LIMITS, mergeChunks, SortedSpill } from '../../cli/spill';

describe('sorted chunks on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ea-spill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const record = fc.tuple(
    fc.integer({ min: 0, max: 2e12 }),
    fc.oneof(text, fc.constantFrom('T-1', 'T\t"2"\\', 'Ünïcode-🎫')),
    fc.nat(9),
    fc.oneof(text, fc.constantFrom('', '{\n  "a": "b\\\\n"\n}', 'tab\there\u0000cell', '2\t3\t4\n5')),
  );

  it('gives back every record, text as it was, in key order, however the chunks fall', () => {
    const saved = LIMITS.chunkRecords;
    try {
      fc.assert(
        fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (records, size) => {
          LIMITS.chunkRecords = size;
          const spill = new SortedSpill(() => dir, 'r');
          for (const r of records) spill.add(r as Keyed);
          expect([...mergeChunks(spill.finish())]).toEqual([...records].sort(byKey));
        }),
        { numRuns: 200 },
      );
    } finally {
      LIMITS.chunkRecords = saved;
    }
  });

  it('reads records larger than its read block, and many across blocks', () => {
    const saved = LIMITS.chunkRecords;
    try {
      LIMITS.chunkRecords = 3;
      const big = `${'é'.repeat(300_000)}\n${'🎫'.repeat(100_000)}`;
      const records: Keyed[] = Array.from({ length: 7 }, (_, i) => [i, `T-${i}`, 0, i % 2 ? big : `small ${i}`]);
      const spill = new SortedSpill(() => dir, 'big');
      for (const r of records) spill.add(r);
      expect([...mergeChunks(spill.finish())]).toEqual(records);
    } finally {
      LIMITS.chunkRecords = saved;
    }
  });
});
