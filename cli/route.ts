/**
 * What a batch audit routes a raw line by, read without parsing it: the top-level `ticketId` and
 * `at` of a line of JSON, as `JSON.parse` would give them (escapes decoded, the last of a repeated
 * key). A line's shard and bucket follow from its ticket id, so a ticket's events always meet; a
 * line that is not a valid event is refused wherever it lands, so what is read from it then does
 * not matter (and reading it never throws).
 */

export interface RouteKeys {
  /** The top-level `ticketId` when it is a string. */
  readonly ticketId: string | undefined;
  /** The top-level `at` when it is a string. */
  readonly at: string | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just after the string that opens at `i`; the text's length when it never closes. */
function stringEnd(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
  }
  return text.length;
}

/** The index just after the value that starts at `i` (a string, an object, an array, or a bare word). */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = stringEnd(text, i);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
      i++;
    }
    return i;
  }
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 0x2c || d === 0x7d || d === 0x5d || isSpace(d)) return i;
    i++;
  }
  return i;
}

/** The string from `start` (its opening quote) to `end` (just after its closing one), decoded. */
function decoded(text: string, start: number, end: number): string | undefined {
  const inner = text.slice(start + 1, end - 1);
  if (!inner.includes('\\')) return inner;
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch {
    return undefined;
  }
}

export function routeKeys(text: string): RouteKeys {
  let ticketId: string | undefined;
  let at: string | undefined;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 0x7b) return { ticketId, at };
  i = skipSpace(text, i + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(text, i);
    const key = decoded(text, i, keyEnd);
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) break;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (key === 'ticketId' || key === 'at') {
      const value = text.charCodeAt(start) === QUOTE ? decoded(text, start, end) : undefined;
      if (key === 'ticketId') ticketId = value;
      else at = value;
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== 0x2c) break;
    i = skipSpace(text, i + 1);
  }
  return { ticketId, at };
}
