/** Streams a file (or standard input) as numbered lines, without holding the file in memory. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export interface Source {
  readonly stream: Readable;
  /** Size in bytes when known (a file), for progress. */
  readonly size: number | undefined;
}

export async function openSource(path: string): Promise<Source> {
  if (path === '-') return { stream: process.stdin, size: undefined };
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a file`);
  return { stream: createReadStream(path, { highWaterMark: 1 << 20 }), size: info.size };
}

/**
 * Calls `onLine` for every line (without its line break) and `afterChunk` after every chunk;
 * reading waits while `afterChunk`'s promise is pending (backpressure).
 */
export async function eachLine(
  source: Source,
  onLine: (line: string, number: number) => void,
  afterChunk?: (bytesRead: number) => Promise<void> | void,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  let bytes = 0;
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line, ++number);
  for await (const chunk of source.stream) {
    bytes += (chunk as Buffer).length;
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      emit(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
    await afterChunk?.(bytes);
  }
  rest += decoder.end();
  if (rest.length > 0) emit(rest);
}
