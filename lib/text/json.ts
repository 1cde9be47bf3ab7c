/**
 * `JSON.stringify(value, null, 2)`, written in pieces: the arrays and objects of the first `depth`
 * levels member by member, so that no piece holds more than one member below them (a report's
 * breaches, a hundred thousand of them, are never one string). The text is the same, byte for byte.
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

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function* pieces(value: unknown, depth: number, indent: string): Generator<string> {
  if (depth === 0 || value === null || typeof value !== 'object' || 'toJSON' in value) {
    const text = JSON.stringify(value, null, 2);
    // a line break in JSON text is always layout (one inside a string is escaped)
    yield indent ? text.replaceAll('\n', `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return yield '[]';
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i ? ',' : ''}\n${inner}`;
      if (omitted(value[i])) yield 'null';
      else yield* pieces(value[i], depth - 1, inner);
    }
    return yield `\n${indent}]`;
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
