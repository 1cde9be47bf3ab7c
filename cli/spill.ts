/**
 * What keeps a batch audit's memory bounded at any size: events spilled to bucket files by ticket
 * (so a bucket's tickets are audited together and then dropped), and output records spilled in
 * sorted chunks and merged back in order. Everything lives in one temporary folder per run.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { byOrderKey, type ListCollector, type Lists } from '../lib/report/lists';

/**
 * Runs `use` with a run's temporary folder, removed afterwards whatever happens (and on exit,
 * should the process end first).
 */
export async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'escalation-auditor-'));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', cleanUp);
  try {
    return await use(dir);
  } finally {
    process.removeListener('exit', cleanUp);
    cleanUp();
  }
}

/**
 * A record of the audit's output, with its sort key (due time, ticket, rule in the catalogue's
 * order): its text as the format writes it, rendered where it was audited.
 */
export type Keyed = readonly [dueAt: number, ticketId: string, rule: number, text: string];

export const byKey: (a: Keyed, b: Keyed) => number = byOrderKey;

/** A sorted run of records: still in memory, or in a file of JSON lines. */
export type Chunk = { readonly records: readonly Keyed[] } | { readonly file: string };

/**
 * The sizes that decide what is spilled. The environment can lower them (the tests do, to run the
 * spilling paths on small files); nothing else should need to.
 */
export const LIMITS = {
  /**
   * Inputs up to this many bytes keep their events in memory (faster: no second pass over them;
   * about 4.5 bytes of memory per byte of input, so under 1 GB); larger ones spill them to disk.
   */
  inMemoryBytes: Number(process.env.ESCALATION_AUDITOR_IN_MEMORY_BYTES ?? 160 * 2 ** 20),
  /** About this much input per event bucket. */
  bucketBytes: Number(process.env.ESCALATION_AUDITOR_BUCKET_BYTES ?? 32 * 2 ** 20),
  /** The heap of each audit thread of a spilled audit: it collects its garbage instead of growing into free memory. */
  threadMemoryMb: Number(process.env.ESCALATION_AUDITOR_THREAD_MEMORY_MB ?? 384),
  /** Output records kept in memory before a sorted chunk of them goes to disk. */
  chunkRecords: Number(process.env.ESCALATION_AUDITOR_CHUNK_RECORDS ?? 50_000),
};

/** Collects records, spilling sorted chunks to `dir` past `LIMITS.chunkRecords`; `finish` gives the chunks. */
export class SortedSpill {
  private buffer: Keyed[] = [];
  private readonly files: string[] = [];

  constructor(
    private readonly dir: () => string,
    private readonly name: string,
  ) {}

  add(record: Keyed): void {
    this.buffer.push(record);
    if (this.buffer.length >= LIMITS.chunkRecords) this.flush();
  }

  private flush(): void {
    this.buffer.sort(byKey);
    const file = join(this.dir(), `${this.name}-${this.files.length}.jsonl`);
    const fd = openSync(file, 'w');
    try {
      let text = '';
      for (const r of this.buffer) {
        text += recordText(r);
        if (text.length > 1 << 20) {
          writeSync(fd, text);
          text = '';
        }
      }
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    this.files.push(file);
    this.buffer = [];
  }

  finish(): Chunk[] {
    const rest = this.buffer.sort(byKey);
    this.buffer = [];
    return [...this.files.map((file) => ({ file })), ...(rest.length ? [{ records: rest }] : [])];
  }
}

/**
 * The report's long lists (lib/report/lists.ts) kept as the audit keeps its output: in sorted
 * chunks of JSON, written to `dir` past `LIMITS.chunkRecords` items, merged back in order each
 * time a list is read.
 */
export function spilledLists(dir: string): Lists {
  let made = 0;
  return <T>(name: string): ListCollector<T> => {
    const spill = new SortedSpill(() => dir, `list-${made++}-${name}`);
    let length = 0;
    return {
      add(key, item) {
        spill.add([key[0], key[1], key[2], JSON.stringify(item)]);
        length++;
      },
      done() {
        const chunks = spill.finish();
        return {
          length,
          *[Symbol.iterator]() {
            for (const [, , , text] of mergeChunks(chunks)) yield JSON.parse(text) as T;
          },
        };
      },
    };
  };
}

/**
 * A record as a chunk file holds it: a header line (due time, rule, the text's length, the ticket
 * id as JSON) and then the text as it is, so neither is escaped again nor parsed back.
 */
const recordText = ([dueAt, ticketId, rule, text]: Keyed): string =>
  `${dueAt}\t${rule}\t${text.length}\t${JSON.stringify(ticketId)}\n${text}`;

/** The records of a chunk file, read in blocks (synchronously: the merge is one tight loop). */
function* readFileChunk(file: string): Generator<Keyed> {
  const fd = openSync(file, 'r');
  try {
    const block = Buffer.alloc(1 << 18);
    const decoder = new StringDecoder('utf8');
    let text = '';
    for (let n = readSync(fd, block); ; n = readSync(fd, block)) {
      text += n > 0 ? decoder.write(block.subarray(0, n)) : decoder.end();
      let at = 0;
      for (;;) {
        const t1 = text.indexOf('\t', at);
        const t2 = t1 < 0 ? -1 : text.indexOf('\t', t1 + 1);
        const t3 = t2 < 0 ? -1 : text.indexOf('\t', t2 + 1);
        const nl = t3 < 0 ? -1 : text.indexOf('\n', t3 + 1);
        if (nl < 0) break;
        const end = nl + 1 + Number(text.slice(t2 + 1, t3));
        if (end > text.length) break;
        const id = text.slice(t3 + 1, nl);
        yield [
          Number(text.slice(at, t1)),
          id.includes('\\') ? (JSON.parse(id) as string) : id.slice(1, -1),
          Number(text.slice(t1 + 1, t2)),
          text.slice(nl + 1, end),
        ];
        at = end;
      }
      text = text.slice(at);
      if (n <= 0) break;
    }
    if (text) throw new Error(`${file}: a record is cut short`);
  } finally {
    closeSync(fd);
  }
}

const readChunk = (chunk: Chunk): Iterator<Keyed> =>
  'records' in chunk ? chunk.records[Symbol.iterator]() : readFileChunk(chunk.file);

/** The records of sorted chunks, merged in key order (a k-way merge over a binary heap). */
export function* mergeChunks(chunks: readonly Chunk[]): Generator<Keyed> {
  type Head = { value: Keyed; it: Iterator<Keyed> };
  const heads: Head[] = [];
  for (const chunk of chunks) {
    const it = readChunk(chunk);
    const first = it.next();
    if (!first.done) heads.push({ value: first.value, it });
  }
  const less = (i: number, j: number) => byKey((heads[i] as Head).value, (heads[j] as Head).value) < 0;
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heads.length && less(l, m)) m = l;
      if (r < heads.length && less(r, m)) m = r;
      if (m === i) return;
      const t = heads[i] as Head;
      heads[i] = heads[m] as Head;
      heads[m] = t;
      i = m;
    }
  };
  for (let i = (heads.length >> 1) - 1; i >= 0; i--) down(i);
  while (heads.length > 0) {
    const top = heads[0] as Head;
    yield top.value;
    const next = top.it.next();
    if (next.done) {
      const last = heads.pop() as Head;
      if (heads.length > 0) heads[0] = last;
    } else top.value = next.value;
    down(0);
  }
}

/**
 * The lines of a spilled audit in bucket files by ticket: `count` buckets for each of `shards`
 * shards. Each shard's thread files the lines it is given under their ticket's bucket, in files of
 * its own (`events-<bucket>-<writer>`), so any thread can take any line; the shard that owns a
 * bucket reads it from every writer's file (once all have flushed) and audits it on its own. Lines
 * are buffered per bucket and appended in blocks.
 */
export class EventBuckets {
  private readonly buffers: string[];

  constructor(
    private readonly dir: string,
    private readonly writer: number,
    private readonly shards: number,
    readonly count: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.buffers = Array.from({ length: shards * count }, () => '');
    for (let b = 0; b < this.buffers.length; b++) closeSync(openSync(this.file(b, writer), 'w'));
  }

  private file(bucket: number, writer: number): string {
    return join(this.dir, `events-${bucket}-${writer}.jsonl`);
  }

  /** Files a line under bucket `bucket` of shard `shard`. */
  add(shard: number, bucket: number, line: string): void {
    const b = shard * this.count + bucket;
    const text = `${this.buffers[b]}${line}\n`;
    if (text.length < 1 << 18) this.buffers[b] = text;
    else {
      this.append(b, text);
      this.buffers[b] = '';
    }
  }

  private append(b: number, text: string): void {
    const fd = openSync(this.file(b, this.writer), 'a');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes out what is buffered: every writer flushes before any bucket is read. */
  flush(): void {
    for (let b = 0; b < this.buffers.length; b++) {
      if (this.buffers[b]) this.append(b, this.buffers[b] as string);
      this.buffers[b] = '';
    }
  }

  /** The lines of bucket `bucket` of shard `shard`, from every writer's file. */
  *lines(shard: number, bucket: number): Generator<string> {
    const b = shard * this.count + bucket;
    for (let w = 0; w < this.shards; w++) yield* readFileSync(this.file(b, w), 'utf8').split('\n');
  }
}
