import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../../lib/text/json';

describe('jsonChunks', () => {
  it('writes what JSON.stringify(value, null, 2) writes, at every depth', () => {
    const value = fc.anything({
      maxDepth: 4,
      withNullPrototype: true,
      withDate: true,
      withSparseArray: true,
      values: [fc.jsonValue(), fc.constant(undefined), fc.string({ unit: 'grapheme' })],
    });
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 5 }), (v, depth) => {
        fc.pre(v !== undefined);
        expect([...jsonChunks(v, depth)].join('')).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes a long list in pieces of about 64 KB', () => {
    const list = Array.from({ length: 20_000 }, (_, i) => ({ id: `T-${i}`, text: 'a line\nof text' }));
    const pieces = [...jsonChunks({ list })];
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(70_000);
    expect(JSON.parse(pieces.join(''))).toEqual({ list });
  });
});
