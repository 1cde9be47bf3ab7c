/**
 * `JSON.stringify(value, null, 2)`, written in pieces: the arrays and objects of the first `depth`
 * levels member by member, so that no piece holds more than one member below them (a report's
 * breaches, a hundred thousand of them, are never one string). The text is the same, byte for byte.
 * An iterable that is not an array (a list read from disk as it is written) is written as an array.
 */
export function* jsonChunks(value: unknown, depth = 2): Generator<string> {
  let text = '';
  for (const piece of pieces(value, depth, '')) {
    text += piece;
    if (text.length >= PIECE) {
      yield text;
      text = '';
    }
  }
  if (text) yield text;
}

/** About how much text each piece carries: few writes, none large. */
const PIECE = 1 << 16;

const isList = (v: unknown): v is Iterable<unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Symbol.iterator in v;

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function* pieces(value: unknown, depth: number, indent: string): Generator<string> {
  // a list read as it is written (one that is not an array): written as an array, at any depth
  const list = isList(value);
  if (!list && (depth === 0 || value === null || typeof value !== 'object' || 'toJSON' in value)) {
    const text = JSON.stringify(value, null, 2);
    // a line break in JSON text is always layout (one inside a string is escaped)
    yield indent ? text.replaceAll('\n', `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (list || Array.isArray(value)) {
    let i = 0;
    for (const member of value as Iterable<unknown>) {
      yield `${i++ ? ',' : '['}\n${inner}`;
      if (omitted(member)) yield 'null';
      else yield* pieces(member, depth - 1, inner);
    }
    return yield i ? `\n${indent}]` : '[]';
  }
  const entries = Object.entries(value).filter(([, v]) => !omitted(v));
  if (entries.length === 0) return yield '{}';
  yield '{';
  for (const [i, [key, v]] of entries.entries()) {
    yield `${i ? ',' : ''}\n${inner}${JSON.stringify(key)}: `;
    yield* pieces(v, depth - 1, inner);
  }
  yield `\n${indent}}`;
}
