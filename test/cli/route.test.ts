import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeKeys } from '../../cli/route';

/** A key as JSON may write it: plainly, or with every character escaped. */
const written = (key: string, escaped: boolean) =>
  escaped
    ? `"${[...key].map((c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`).join('')}"`
    : JSON.stringify(key);

const space = fc.constantFrom('', ' ', '\t', '\n  ');
const entry = fc.record({
  key: fc.oneof(fc.constantFrom('ticketId', 'at', 'id', 'type'), fc.string({ maxLength: 6 })),
  escaped: fc.boolean(),
  value: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 3 }), fc.constant('T-"1"\\\u2028')),
  before: space,
  after: space,
});

describe('routeKeys: the top-level ticketId and at, as JSON.parse reads them', () => {
  it('agrees with JSON.parse on any object, keys escaped, repeated or nested', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), space, (entries, pad) => {
        const members = entries.map(
          (e) =>
            `${e.before}${written(e.key, e.escaped)}${e.after}:${e.before}${JSON.stringify(e.value, null, e.after ? 1 : 0)}${e.after}`,
        );
        const text = `${pad}{${members.join(',')}}${pad}`;
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        expect(routeKeys(text)).toEqual({
          ticketId: str(Object.hasOwn(parsed, 'ticketId') ? parsed.ticketId : undefined),
          at: str(Object.hasOwn(parsed, 'at') ? parsed.at : undefined),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads only the top level: a nested ticketId or one inside a string is not the ticket', () => {
    const line =
      '{"meta":{"ticketId":"T-999","at":"x"},"note":"\\"ticketId\\":\\"T-7\\"","ticketId":"T-8","at":"2026-03-02T12:00:00Z"}';
    expect(routeKeys(line)).toEqual({ ticketId: 'T-8', at: '2026-03-02T12:00:00Z' });
    expect(routeKeys('{"ticketId":"T\\u002d7"}')).toEqual({ ticketId: 'T-7', at: undefined });
    expect(routeKeys('{"ticketId":"A","ticketId":"B"}').ticketId).toBe('B');
    expect(routeKeys('{"ticketId":7}').ticketId).toBeUndefined();
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => j.slice(0, Math.max(0, j.length - 3))),
        ),
        (text) => {
          routeKeys(text);
          routeKeys(`{${text}`);
          routeKeys(`{"ticketId":${text}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
