/**
 * The store on DynamoDB (and its local forms, dynalite and DynamoDB Local), single-table:
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | an event of a ticket | `T#<ticketId>` | `E#<event id>` | `event`: the canonical JSON; `at`; gsi1: `DAY#<day>` / `<ticketId>#E#<event id>` (one event per ticket and day at least) |
 * | an archived request | `RAW#<yyyy-mm-dd>` | `<receivedAt ISO>#<id>` | source, headers, body, outcome, `expiresAt` (TTL) |
 * | an armed timer | `T#<ticketId>` | `TM#<kind>#<rule>#<dueAt>` | the timer; gsi1: `TIMERS` / `<fireAt ISO>#…` |
 * | a breach or warning | `T#<ticketId>` | `N#<kind>#<rule>#<dueAt ISO>` | state, lease, severity, tier, explanation |
 * | a ticket in the directory (embedded) | `TICKETS` | `<ticketId>` | written with the ticket's events |
 * | the table's features (embedded) | `META` | `ticket-directory` | present when the table keeps the directory |
 * | a ticket changed, not yet reconciled | `CHANGED` | `<ticketId>` | `at`: the latest change (Store.flagChanged) |
 * | a named cursor (Cursors) | `CURSOR` | `<name>` | `value` |
 * | a waiver or revocation | `WAIVERS` | `<id>` | `record`: its JSON; `addedAt`. Put once (`attribute_not_exists`), never updated |
 * | a seal of a partition's chain (lib/ledger.ts) | `CHAIN#<partition>` | `<seq, 10 digits>` | sealedAt, records (JSON), prev, chain. Put once |
 * | a seal's entry in its day's root | `SEALS#<yyyy-mm-dd>` | `<partition>#<seq>` | partition, seq, chain. Put once |
 *
 * A ticket's partition is its projection: one consistent Query gives the engine its whole history.
 * Appending is one conditional put per event (`attribute_not_exists(pk)`), so a redelivery, a retry
 * or a concurrent duplicate can never add an event twice, and nothing is ever overwritten.
 * Archived requests and timers are written in batches (group commit), so a busy webhook endpoint
 * costs about one write request per event; a sole writer that knows which events are new (`serve`,
 * lib/adapters/local/exclusive-store.ts) group-commits those too. Uses only what dynalite and
 * DynamoDB Local both support (no transactions, no PartiQL).
 *
 * The ticket directory: a table the embedded store created lists every ticket that has events in
 * one partition, written before the ticket's first events (so no event is ever stored for an
 * unlisted ticket, whatever part of a batch fails). The sole writer reads it once and then tells a new ticket
 * from a known one in memory, instead of querying every ticket it has not seen yet. Tables made
 * before it, and the CDK-made table in AWS (where no sole writer runs), keep none.
 */
import {
  type AttributeValue,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ResourceInUseException,
  ScanCommand,
  UpdateItemCommand,
  type WriteRequest,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { WaiverRecord } from '../../engine/waivers';
import { sameCanonical } from '../../events/parse';
import type { CanonicalEvent } from '../../events/schema';
import {
  advance,
  type ChainHead,
  type DayEntry,
  dayRoot,
  digestOf,
  headOf,
  type LedgerInput,
  nextSeal,
  type Seal,
  type SealedRecord,
} from '../../ledger';
import type { RuleId } from '../../policy/schema';
import {
  type AppendOutcome,
  type ArchivedRequest,
  type Cursors,
  type Notice,
  type NoticeKey,
  type NoticeState,
  type RawOutcome,
  type RawRequest,
  type Receipt,
  type Store,
  type StoredTicket,
  type TicketRecords,
  type Timer,
  timerKey,
} from '../../ports';
import type { SourceId } from '../../sources/types';
import { utcDay, utcDays } from '../../utc-day';
import { readAhead } from '../../window';

const DAY = 86_400_000;
export type Item = Record<string, AttributeValue>;

export interface DynamoStoreOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** How long archived requests are kept (TTL), in days. */
  readonly retentionDays?: number;
  /** Whether the table keeps the ticket directory (what `ensureTable` answers); default false. */
  readonly ticketDirectory?: boolean;
  /** The embedded engine's bulk read of partitions (local.ts), which `tickets` uses instead of a Query each. */
  readonly partitions?: PartitionReader;
}

/**
 * Many partitions' items (every attribute), one partition after another in an order of the
 * reader's choosing: what the embedded engine offers instead of a Query per partition.
 */
export type PartitionReader = (
  table: string,
  pks: readonly string[],
) => AsyncIterable<{ readonly pk: string; readonly items: Item[] }>;

/** Tickets read at once by `tickets` without a bulk read: enough to hide a round trip, few enough to bound memory. */
const READ_AHEAD = 16;

const eventKey = (ticketId: string, id: string) => ({ pk: { S: `T#${ticketId}` }, sk: { S: `E#${id}` } });
const timerItemKey = (t: Timer) => ({ pk: { S: `T#${t.ticketId}` }, sk: { S: `TM#${t.kind}#${t.rule}#${t.dueAt}` } });
const noticeItemKey = (n: NoticeKey) => ({
  pk: { S: `T#${n.ticketId}` },
  sk: { S: `N#${n.kind}#${n.rule}#${new Date(n.dueAt).toISOString()}` },
});
const DIRECTORY = { S: 'TICKETS' };
/** Tickets changed and not yet reconciled (see Store.flagChanged). */
const CHANGED = { S: 'CHANGED' };
const DIRECTORY_MARKER = { pk: { S: 'META' }, sk: { S: 'ticket-directory' } };
const iso = (ms: number) => new Date(ms).toISOString();
/** The day index (gsi1): which tickets had an event, or a breach due, on a UTC day. */
const dayIndex = (day: string, ticketId: string, what: string) => ({
  gsi1pk: { S: `DAY#${day}` },
  gsi1sk: { S: `${ticketId}#${what}` },
  ticketId: { S: ticketId },
});
/** An event's item; with `day`, it lists the ticket in the day index for that day (see IndexedDays). */
const noticeItem = (notice: Notice): Item => ({
  ...noticeItemKey(notice),
  ...dayIndex(utcDay(notice.dueAt), notice.ticketId, `N#${notice.kind}#${notice.rule}#${notice.dueAt}`),
  ticketId: { S: notice.ticketId },
  rule: { S: notice.rule },
  dueAt: { N: String(notice.dueAt) },
  kind: { S: notice.kind },
  state: { S: notice.state },
  explanation: { S: notice.explanation },
  recordedAt: { N: String(notice.recordedAt) },
  ...(notice.severity ? { severity: { S: notice.severity } } : {}),
  ...(notice.clientTier ? { clientTier: { S: notice.clientTier } } : {}),
});

const eventItem = (ev: CanonicalEvent, day?: string, receipt?: Receipt): Item => ({
  ...eventKey(ev.ticketId, ev.id),
  ...(day ? dayIndex(day, ev.ticketId, `E#${ev.id}`) : {}),
  at: { S: ev.at },
  event: { S: JSON.stringify(ev) },
  ...(receipt ? { receivedAt: { N: String(receipt.receivedAt) }, via: { S: receipt.via } } : {}),
});

/**
 * The ticket-days this process has written to the day index, for the most recent few days. The
 * index answers which tickets were active on a day, so one entry per ticket and day is enough:
 * an event of a ticket-day already listed here is written without an index entry of its own. A
 * ticket-day is listed only once an event carrying its entry is stored, so every ticket-day with
 * events has an entry; after a restart, the first event of each ticket-day is indexed again.
 */
class IndexedDays {
  private readonly days = new Map<string, Set<string>>();

  has(ticketId: string, day: string): boolean {
    return this.days.get(day)?.has(ticketId) ?? false;
  }

  add(ticketId: string, day: string): void {
    let tickets = this.days.get(day);
    if (!tickets) {
      tickets = new Set();
      this.days.set(day, tickets);
      // the oldest day goes: at worst, a late event of it is indexed again
      if (this.days.size > 3) this.days.delete([...this.days.keys()].sort()[0] as string);
    }
    tickets.add(ticketId);
  }
}
const rawKey = (raw: RawRequest) => ({
  pk: { S: `RAW#${utcDay(raw.receivedAt)}` },
  sk: { S: `${new Date(raw.receivedAt).toISOString()}#${raw.id}` },
});

/**
 * Batches in flight at once. On the embedded engine (one thread), a fourth batch only waits there
 * while the others are written; held back, its writes join a fuller batch (the ingest benchmark's
 * p99 was lower with three than with two or four).
 */
const IN_FLIGHT = 3;
const LANES = ['request', 'background'] as const;
type Lane = (typeof LANES)[number];
interface Queued {
  readonly item: WriteRequest;
  /** pk and sk */
  readonly key: string;
  readonly done: (err?: unknown) => void;
}

/** Counts of DynamoDB write requests and item writes, for the benchmark. */
export interface WriteCounters {
  requests: number;
  items: number;
}

export class DynamoStore implements Store, Cursors {
  readonly counters: WriteCounters = { requests: 0, items: 0 };
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly retentionDays: number;
  private readonly directory: boolean;
  private readonly partitions?: PartitionReader;
  /** Writes waiting for a batch: a request's (archive, events) before the background's (timers). */
  private readonly lanes: Record<Lane, Queued[]> = { request: [], background: [] };
  private scheduled = false;
  private inFlight = 0;
  /** Keys of the items the batches in flight are writing. */
  private readonly writing = new Set<string>();
  private readonly indexedDays = new IndexedDays();
  /** Where the chains of the partitions sealed lately stand, so that a seal need not read them (lib/ledger.ts). */
  private readonly heads = new Map<string, ChainHead>();

  constructor(opts: DynamoStoreOptions) {
    this.client = opts.client;
    this.table = opts.table;
    this.retentionDays = opts.retentionDays ?? 30;
    this.directory = opts.ticketDirectory ?? false;
    if (opts.partitions) this.partitions = opts.partitions;
  }

  /**
   * Every ticket with events in the table, from its ticket directory; undefined when the table
   * keeps none (then only reading a ticket tells whether it exists).
   */
  async ticketDirectory(): Promise<string[] | undefined> {
    if (!this.directory) return undefined;
    const tickets: string[] = [];
    for await (const item of this.items({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': DIRECTORY },
      ProjectionExpression: 'sk',
    })) {
      tickets.push(item.sk?.S as string);
    }
    return tickets;
  }

  /** Directory entries for these tickets, group-committed with their events. */
  private list(ticketIds: Iterable<string>): Promise<void>[] {
    if (!this.directory) return [];
    return [...new Set(ticketIds)].map((id) =>
      this.enqueue('request', { PutRequest: { Item: { pk: DIRECTORY, sk: { S: id } } } }),
    );
  }

  archive(raw: RawRequest): Promise<void> {
    return this.enqueue('request', {
      PutRequest: {
        Item: {
          ...rawKey(raw),
          id: { S: raw.id },
          source: { S: raw.source },
          receivedAt: { N: String(raw.receivedAt) },
          headers: { M: Object.fromEntries(Object.entries(raw.headers).map(([k, v]) => [k, { S: v }])) },
          body: { S: raw.body },
          bodyEncoding: { S: raw.bodyEncoding },
          expiresAt: { N: String(Math.floor((raw.receivedAt + this.retentionDays * DAY) / 1000)) },
        },
      },
    });
  }

  /** Unconditional writes, group-committed: resolved once DynamoDB has them. */
  private enqueue(lane: Lane, item: WriteRequest): Promise<void> {
    const k = (item.PutRequest?.Item ?? item.DeleteRequest?.Key) as Item;
    return new Promise((resolve, reject) => {
      this.lanes[lane].push({
        item,
        key: `${k.pk?.S}\u0000${k.sk?.S}`,
        done: (err) => (err ? reject(err) : resolve()),
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Group commit: what was queued meanwhile goes out in batches of up to 25, up to three batches
   * at a time, a waiting request's writes first: a backlog of timers never holds up an answer.
   * Writes of one item stay in order: a batch never names an item twice, nor one that a batch in
   * flight is writing; those wait for a later batch. (An item is only ever written from one lane.)
   */
  private flush(): void {
    this.scheduled = false;
    while (this.inFlight < IN_FLIGHT) {
      const seen = new Set<string>();
      const batch: Queued[] = [];
      for (const lane of LANES) this.lanes[lane] = this.take(this.lanes[lane], batch, seen);
      if (batch.length === 0) return;
      this.inFlight++;
      for (const w of batch) this.writing.add(w.key);
      this.batchWrite(batch.map((b) => b.item))
        .then(
          () => {
            for (const b of batch) b.done();
          },
          (err) => {
            for (const b of batch) b.done(err);
          },
        )
        .finally(() => {
          this.inFlight--;
          for (const w of batch) this.writing.delete(w.key);
          this.flush();
        });
    }
  }

  /** Moves what may go from `queue` into `batch`, up to 25; returns what stays, in its order. */
  private take(queue: Queued[], batch: Queued[], seen: Set<string>): Queued[] {
    const stays: Queued[] = [];
    let i = 0;
    for (; i < queue.length && batch.length < 25; i++) {
      const w = queue[i] as Queued;
      if (!seen.has(w.key) && !this.writing.has(w.key)) batch.push(w);
      else stays.push(w);
      seen.add(w.key);
    }
    return i === 0 ? queue : i < queue.length ? stays.concat(queue.slice(i)) : stays;
  }

  /** A BatchWriteItem of at most 25 writes, retrying what DynamoDB leaves unprocessed. */
  private async batchWrite(writes: WriteRequest[]): Promise<void> {
    let pending = writes;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB left ${pending.length} writes unprocessed`);
      if (attempt > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 10));
      this.counters.requests++;
      this.counters.items += pending.length;
      const r = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
      pending = r.UnprocessedItems?.[this.table] ?? [];
    }
  }

  /** Every item a query matches, page after page (consistent reads unless on an index). */
  private async *items(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncIterable<Item> {
    let start: Item | undefined;
    do {
      const r = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          ConsistentRead: input.IndexName === undefined,
          ...input,
          ExclusiveStartKey: start,
        }),
      );
      yield* r.Items ?? [];
      start = r.LastEvaluatedKey;
    } while (start);
  }

  /** The items of a partition whose sort key starts with `prefix`. */
  private async partition(pk: string, prefix?: string, projection?: Projection): Promise<Item[]> {
    const items: Item[] = [];
    // DynamoDB refuses an empty string in a key condition: no prefix, no begins_with
    const query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'> = prefix
      ? {
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':p': { S: prefix } },
        }
      : { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } };
    if (projection) Object.assign(query, projection);
    for await (const item of this.items(query)) {
      items.push(item);
    }
    return items;
  }

  async report(raw: RawRequest, outcome: RawOutcome): Promise<void> {
    await this.write(
      new UpdateItemCommand({
        TableName: this.table,
        Key: rawKey(raw),
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': { S: JSON.stringify(outcome) } },
      }),
    );
  }

  async *archived(from: number, to: number): AsyncIterable<ArchivedRequest> {
    for (let day = Math.floor(from / DAY) * DAY; day < to; day += DAY) {
      const query = {
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: `RAW#${utcDay(day)}` },
          ':from': { S: iso(Math.max(from, day)) },
          ':to': { S: `${iso(Math.min(to, day + DAY) - 1)}~` },
        },
      };
      for await (const item of this.items(query)) {
        const receivedAt = Number(item.receivedAt?.N);
        if (receivedAt < from || receivedAt >= to) continue;
        yield {
          id: item.id?.S as string,
          source: item.source?.S as SourceId,
          receivedAt,
          headers: Object.fromEntries(Object.entries(item.headers?.M ?? {}).map(([k, v]) => [k, v.S as string])),
          body: item.body?.S as string,
          bodyEncoding: item.bodyEncoding?.S as 'utf8' | 'base64',
          ...(item.outcome?.S ? { outcome: JSON.parse(item.outcome.S) as RawOutcome } : {}),
        };
      }
    }
  }

  async append(events: readonly CanonicalEvent[], receipt?: Receipt): Promise<AppendOutcome[]> {
    const listed = this.list(events.map((e) => e.ticketId));
    // one id twice in one call: the second is judged against the first, like any redelivery
    const first = new Map<string, CanonicalEvent>();
    const [outcomes] = await Promise.all([
      Promise.all(
        events.map((ev) => {
          const key = `${ev.ticketId}\u0000${ev.id}`;
          const earlier = first.get(key);
          if (earlier) return Promise.resolve<AppendOutcome>(sameCanonical(earlier, ev) ? 'duplicate' : 'conflict');
          first.set(key, ev);
          return this.add(ev, receipt);
        }),
      ),
      ...listed,
    ]);
    return outcomes;
  }

  /**
   * Writes events without the existence check, group-committed. Only for a sole writer that
   * knows they are new (lib/adapters/local/exclusive-store.ts); everyone else calls `append`.
   * `newTickets` names the tickets not yet in the directory: they are listed in the same commit.
   */
  async appendUnchecked(
    events: readonly CanonicalEvent[],
    newTickets: readonly string[] = [],
    receipt?: Receipt,
  ): Promise<void> {
    // listed first, so that a ticket with any stored event is in the directory whatever fails
    // after: a batch that gives up leaves the writes that landed, and an unlisted ticket's events
    // would be out of the sole writer's sight
    await Promise.all(this.list(newTickets));
    await Promise.all(
      events.map(async (ev) => {
        const { item, stored } = this.eventPut(ev, receipt);
        await this.enqueue('request', { PutRequest: { Item: item } });
        stored();
      }),
    );
  }

  /** The event's item, with a day index entry unless its ticket-day has one; `stored` once it is written. */
  private eventPut(ev: CanonicalEvent, receipt?: Receipt): { item: Item; stored(): void } {
    const day = utcDay(Date.parse(ev.at));
    if (this.indexedDays.has(ev.ticketId, day)) return { item: eventItem(ev, undefined, receipt), stored: () => {} };
    return { item: eventItem(ev, day, receipt), stored: () => this.indexedDays.add(ev.ticketId, day) };
  }

  /** Puts the event unless its id is already in the ticket's history; then says whether it is the same. */
  private async add(ev: CanonicalEvent, receipt?: Receipt): Promise<AppendOutcome> {
    const put = this.eventPut(ev, receipt);
    const added = await this.write(
      new PutItemCommand({ TableName: this.table, Item: put.item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    if (added) {
      put.stored();
      return 'added';
    }
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: eventKey(ev.ticketId, ev.id), ConsistentRead: true }),
    );
    const stored = r.Item?.event?.S;
    return stored && sameCanonical(JSON.parse(stored), ev) ? 'duplicate' : 'conflict';
  }

  async history(ticketId: string): Promise<CanonicalEvent[]> {
    return (await this.partition(`T#${ticketId}`, 'E#')).map(toEvent);
  }

  /** One query over the ticket's partition: its events, timers and notices. */
  async ticket(ticketId: string) {
    return ticketOf(await this.partition(`T#${ticketId}`, undefined, TICKET_ATTRIBUTES));
  }

  /**
   * Through the embedded engine's bulk read when it has one (in its key order, a chunk at a
   * time), else one Query per ticket, `READ_AHEAD` at a time.
   */
  async *tickets(ticketIds: readonly string[]): AsyncGenerator<StoredTicket & { ticketId: string }> {
    if (!this.partitions) {
      yield* readAhead(ticketIds, READ_AHEAD, async (ticketId) => ({ ticketId, ...(await this.ticket(ticketId)) }));
      return;
    }
    for await (const { pk, items } of this.partitions(
      this.table,
      ticketIds.map((id) => `T#${id}`),
    ))
      yield { ticketId: pk.slice(2), ...ticketOf(items) };
  }

  async timers(ticketId: string): Promise<Timer[]> {
    return (await this.partition(`T#${ticketId}`, 'TM#')).map(toTimer);
  }

  /**
   * The armed timers first, then the deletes of the disarmed: a process that dies between the two
   * leaves a timer too many (its firing finds nothing to do), never a ticket with none (a claim's
   * lease timer lost with its deadline timer deleted left a breach unalerted until some later
   * change). A timer that moved is one put: its item's key does not hold its fire time.
   */
  async saveTimers(armed: readonly Timer[], disarmed: readonly Timer[]): Promise<void> {
    // group-committed with other tickets' timers and archived requests: unconditional anyway
    const puts: WriteRequest[] = armed.map((t) => ({
      PutRequest: {
        Item: {
          ...timerItemKey(t),
          gsi1pk: { S: 'TIMERS' },
          gsi1sk: { S: `${iso(t.fireAt)}#${t.ticketId}#${t.kind}#${t.rule}#${t.dueAt}` },
          ticketId: { S: t.ticketId },
          rule: { S: t.rule },
          kind: { S: t.kind },
          dueAt: { N: String(t.dueAt) },
          fireAt: { N: String(t.fireAt) },
        },
      },
    }));
    await Promise.all(puts.map((w) => this.enqueue('background', w)));
    const put = new Set(armed.map((t) => timerKey(t)));
    const deletes = disarmed
      .filter((t) => !put.has(timerKey(t)))
      .map((t): WriteRequest => ({ DeleteRequest: { Key: timerItemKey(t) } }));
    await Promise.all(deletes.map((w) => this.enqueue('background', w)));
  }

  async ticketsActive(from: number, to: number): Promise<string[]> {
    const tickets = new Set<string>();
    const days = utcDays(from, to);
    // a few days at a time: each is a query of its own, page after page
    const readDays = async () => {
      for (let day = days.shift(); day !== undefined; day = days.shift()) {
        for await (const item of this.items({
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :d',
          ExpressionAttributeValues: { ':d': { S: `DAY#${day}` } },
          ProjectionExpression: 'ticketId',
        })) {
          tickets.add(item.ticketId?.S as string);
        }
      }
    };
    await Promise.all(Array.from({ length: 4 }, readDays));
    return [...tickets].sort();
  }

  async timersDue(until: number): Promise<Timer[]> {
    const timers: Timer[] = [];
    for await (const item of this.items({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :until',
      ExpressionAttributeValues: { ':p': { S: 'TIMERS' }, ':until': { S: until < 2.5e14 ? `${iso(until)}~` : '~' } },
    })) {
      timers.push(toTimer(item));
    }
    return timers;
  }

  async record(notice: Notice): Promise<boolean> {
    return this.write(
      new PutItemCommand({
        TableName: this.table,
        Item: noticeItem(notice),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * The ledger records of a ticket a sole writer holds in memory (its stored events with their
   * receipts, its notices), keyed and digested exactly as their items are (lib/ledger.ts).
   */
  recordsOf(
    events: readonly { event: CanonicalEvent; receipt?: Receipt }[],
    notices: readonly Notice[],
  ): SealedRecord[] {
    return [
      ...events.map(({ event, receipt }) => eventItem(event, undefined, receipt)),
      ...notices.map(noticeItem),
    ].map((i) => ({ key: i.sk?.S as string, digest: recordDigest(i) }));
  }

  async waivers(): Promise<WaiverRecord[]> {
    const added: { at: number; record: WaiverRecord }[] = [];
    for await (const item of this.items({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'WAIVERS' } },
    }))
      added.push({ at: Number(item.addedAt?.N), record: JSON.parse(item.record?.S as string) as WaiverRecord });
    // in the order they were added; the same time, by id (the sort key's order)
    return added.sort((a, b) => a.at - b.at).map((a) => a.record);
  }

  addWaiver(record: WaiverRecord, at: number): Promise<boolean> {
    return this.write(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          pk: { S: 'WAIVERS' },
          sk: { S: record.id },
          record: { S: JSON.stringify(record) },
          addedAt: { N: String(at) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The records of a ledger partition, each with its digest (lib/ledger.ts). */
  private async ledgerRecords(partition: string): Promise<SealedRecord[]> {
    const pk = partition === 'waivers' ? 'WAIVERS' : `T#${partition.slice('ticket:'.length)}`;
    const items = await this.partition(pk, undefined, LEDGER_ATTRIBUTES);
    return items.filter((i) => ledgerPartition(i) === partition).map(ledgerRecord);
  }

  private async seals(partition: string): Promise<Seal[]> {
    return (await this.partition(`CHAIN#${partition}`)).map(toSeal);
  }

  async seal(partition: string, now: number): Promise<number> {
    return this.sealWith(partition, await this.ledgerRecords(partition), now);
  }

  /** Seals what of `records` (all a partition holds) is not sealed yet; how many. */
  async sealWith(partition: string, records: readonly SealedRecord[], now: number): Promise<number> {
    const head = this.heads.get(partition) ?? headOf(await this.seals(partition));
    let current = head;
    let sealed = 0;
    // a long history (an import) is sealed in several seals, each well within an item's size
    for (let seal = nextSeal(partition, records, current, now, SEAL_RECORDS); seal; ) {
      const put = await this.write(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            pk: { S: `CHAIN#${partition}` },
            sk: { S: String(seal.seq).padStart(10, '0') },
            sealedAt: { N: String(seal.sealedAt) },
            records: { S: JSON.stringify(seal.records.map((r) => [r.key, r.digest])) },
            prev: { S: seal.prev },
            chain: { S: seal.chain },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      // another sealer took this number: what is left waits for the next seal, which reads the chain again
      if (!put) {
        this.heads.delete(partition);
        return sealed;
      }
      // its day's entry is unconditional: group-committed with other writes
      await this.enqueue('background', {
        PutRequest: {
          Item: {
            pk: { S: `SEALS#${utcDay(seal.sealedAt)}` },
            sk: { S: `${partition}#${String(seal.seq).padStart(10, '0')}` },
            partition: { S: partition },
            seq: { N: String(seal.seq) },
            chain: { S: seal.chain },
          },
        },
      });
      current = advance(current, seal);
      sealed += seal.records.length;
      seal = nextSeal(partition, records, current, now, SEAL_RECORDS);
    }
    // the head is kept for the next seal of the partition (the most recent partitions only)
    this.heads.delete(partition);
    this.heads.set(partition, current);
    if (this.heads.size > HEADS) this.heads.delete(this.heads.keys().next().value as string);
    return sealed;
  }

  /** A ticket's events and notices as stored, with their digests, and its seals (lib/app/evidence.ts). */
  async ticketRecords(ticketId: string): Promise<TicketRecords> {
    const [items, seals, flag] = await Promise.all([
      this.partition(`T#${ticketId}`),
      this.seals(`ticket:${ticketId}`),
      this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: CHANGED, sk: { S: ticketId } } })),
    ]);
    return {
      events: items
        .filter((i) => i.sk?.S?.startsWith('E#'))
        .map((i) => ({
          key: i.sk?.S as string,
          event: toEvent(i),
          ...(i.receivedAt?.N ? { receivedAt: Number(i.receivedAt.N) } : {}),
          ...(i.via?.S ? { via: i.via.S } : {}),
          digest: recordDigest(i),
        })),
      notices: items
        .filter((i) => i.sk?.S?.startsWith('N#'))
        .map((i) => ({ ...toNotice(i), key: i.sk?.S as string, digest: recordDigest(i) })),
      seals,
      pending: flag.Item !== undefined,
    };
  }

  async dayRoots(days: readonly string[]): Promise<{ day: string; root: string; seals: number }[]> {
    const out: { day: string; root: string; seals: number }[] = [];
    for (const day of days) {
      const entries = (await this.partition(`SEALS#${day}`)).map(toDayEntry);
      if (entries.length > 0) out.push({ day, root: dayRoot(entries), seals: entries.length });
    }
    return out;
  }

  /**
   * Everything `verifyLedger` checks, read by one scan of the table: every record with its digest
   * now, every seal, every day entry, and the tickets awaiting their reconcile.
   */
  async ledger(onPage?: (itemsRead: number) => void): Promise<LedgerInput> {
    let read = 0;
    const records = new Map<string, SealedRecord[]>();
    const seals: Seal[] = [];
    const dayEntries: DayEntry[] = [];
    const pending = new Set<string>();
    const add = (partition: string, r: SealedRecord) => {
      const list = records.get(partition) ?? [];
      list.push(r);
      records.set(partition, list);
    };
    let start: Item | undefined;
    do {
      const r = await this.client.send(
        new ScanCommand({ TableName: this.table, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const i of r.Items ?? []) {
        const pk = i.pk?.S ?? '';
        const sk = i.sk?.S ?? '';
        const partition = ledgerPartition(i);
        if (partition) add(partition, ledgerRecord(i));
        else if (pk.startsWith('CHAIN#')) seals.push(toSeal(i));
        else if (pk.startsWith('SEALS#')) dayEntries.push(toDayEntry(i));
        else if (pk === 'CHANGED') pending.add(`ticket:${sk}`);
      }
      read += r.Items?.length ?? 0;
      onPage?.(read);
      start = r.LastEvaluatedKey;
    } while (start);
    return { records, seals, dayEntries, pending };
  }

  async readCursor(name: string): Promise<string | undefined> {
    const r = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: { S: 'CURSOR' }, sk: { S: name } },
        ConsistentRead: true,
      }),
    );
    return r.Item?.value?.S;
  }

  async writeCursor(name: string, value: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: { pk: { S: 'CURSOR' }, sk: { S: name }, value: { S: value } },
      }),
    );
  }

  flagChanged(ticketIds: readonly string[], at: number): Promise<void> {
    // group-committed with the request's events and archive
    return Promise.all(
      [...new Set(ticketIds)].map((id) =>
        this.enqueue('request', { PutRequest: { Item: { pk: CHANGED, sk: { S: id }, at: { N: String(at) } } } }),
      ),
    ).then(() => {});
  }

  async changedTickets(): Promise<{ ticketId: string; at: number }[]> {
    const changed: { ticketId: string; at: number }[] = [];
    for await (const item of this.items({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHANGED },
    })) {
      changed.push({ ticketId: item.sk?.S as string, at: Number(item.at?.N) });
    }
    return changed;
  }

  /**
   * Clears flags without the condition, group-committed: only for a sole writer that knows no
   * newer flag is written (lib/adapters/local/exclusive-store.ts). In the request lane, like the
   * flags, so a flag written after a clear is never overtaken by it.
   */
  clearChangedUnchecked(ticketIds: readonly string[]): Promise<void> {
    return Promise.all(
      ticketIds.map((id) => this.enqueue('request', { DeleteRequest: { Key: { pk: CHANGED, sk: { S: id } } } })),
    ).then(() => {});
  }

  async clearChanged(ticketId: string, at: number): Promise<void> {
    // unless flagged again meanwhile: then its newer change still waits
    this.counters.requests++;
    this.counters.items++;
    await this.client
      .send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: { pk: CHANGED, sk: { S: ticketId } },
          ConditionExpression: '#at = :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': { N: String(at) } },
        }),
      )
      .catch((err) => {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
  }

  async notices(ticketId: string): Promise<Notice[]> {
    return (await this.partition(`T#${ticketId}`, 'N#')).map(toNotice);
  }

  async transition(
    key: NoticeKey,
    from: NoticeState,
    to: NoticeState,
    now: number,
    leaseMs?: number,
  ): Promise<boolean> {
    return this.write(
      new UpdateItemCommand({
        TableName: this.table,
        Key: noticeItemKey(key),
        UpdateExpression: leaseMs === undefined ? 'SET #s = :to REMOVE lease' : 'SET #s = :to, lease = :lease',
        ConditionExpression:
          leaseMs === undefined
            ? '#s = :from'
            : '#s = :from OR (#s = :to AND (attribute_not_exists(lease) OR lease <= :now))',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: {
          ':from': { S: from },
          ':to': { S: to },
          ...(leaseMs === undefined ? {} : { ':lease': { N: String(now + leaseMs) }, ':now': { N: String(now) } }),
        },
      }),
    );
  }

  /** One counted write; false when its condition failed (someone was there first). */
  private async write(command: PutItemCommand | UpdateItemCommand): Promise<boolean> {
    this.counters.requests++;
    this.counters.items++;
    try {
      await this.client.send(command as PutItemCommand);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

/**
 * Creates the table (local engines and tests; in AWS the CDK stack owns it) and says whether it
 * keeps the ticket directory: a table created here does, one created before the directory did not.
 */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    // a new table takes writes once it is ACTIVE (on dynalite, a moment after CreateTable answers)
    await waitUntilTableExists({ client, minDelay: 0.02, maxDelay: 1, maxWaitTime: 60 }, { TableName: table });
    await client.send(
      new PutItemCommand({ TableName: table, Item: { ...DIRECTORY_MARKER, since: { S: iso(Date.now()) } } }),
    );
    return true;
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  const marker = await client.send(
    new GetItemCommand({ TableName: table, Key: DIRECTORY_MARKER, ConsistentRead: true }),
  );
  return marker.Item !== undefined;
}

type Projection = Pick<QueryCommandInput, 'ProjectionExpression' | 'ExpressionAttributeNames'>;

/** Records per seal: a seal item stays well within DynamoDB's 400 KB (about 90 bytes a record). */
const SEAL_RECORDS = 2000;

/** What a record's digest reads: an event's JSON, a waiver's, a notice's fields that never change. */
const LEDGER_ATTRIBUTES: Projection = {
  ProjectionExpression:
    'pk, sk, event, receivedAt, via, #record, ticketId, #rule, kind, dueAt, severity, clientTier, explanation, recordedAt',
  ExpressionAttributeNames: { '#rule': 'rule', '#record': 'record' },
};

/** The ledger partition an item is a record of (lib/ledger.ts): a ticket's event or notice, a waiver; or none. */
function ledgerPartition(i: Item): string | undefined {
  const pk = i.pk?.S ?? '';
  const sk = i.sk?.S ?? '';
  if (pk.startsWith('T#') && (sk.startsWith('E#') || sk.startsWith('N#'))) return `ticket:${pk.slice(2)}`;
  return pk === 'WAIVERS' ? 'waivers' : undefined;
}

const ledgerRecord = (i: Item): SealedRecord => ({ key: i.sk?.S as string, digest: recordDigest(i) });

/** The digest of a record item as stored (lib/ledger.ts): a notice's delivery state is left out, it moves on. */
function recordDigest(i: Item): string {
  // an event with how it arrived: when, and through which request
  if (i.event?.S !== undefined) return digestOf(`${i.event.S}\n${i.receivedAt?.N ?? ''}\n${i.via?.S ?? ''}`);
  if (i.record?.S !== undefined) return digestOf(i.record.S);
  return digestOf(
    JSON.stringify([
      i.ticketId?.S,
      i.rule?.S,
      i.kind?.S,
      i.dueAt?.N,
      i.severity?.S ?? null,
      i.clientTier?.S ?? null,
      i.explanation?.S,
      i.recordedAt?.N,
    ]),
  );
}

function toDayEntry(i: Item): DayEntry {
  return {
    day: (i.pk?.S ?? '').slice('SEALS#'.length),
    partition: i.partition?.S as string,
    seq: Number(i.seq?.N),
    chain: i.chain?.S as string,
  };
}

function toSeal(i: Item): Seal {
  return {
    partition: (i.pk?.S ?? '').slice('CHAIN#'.length),
    seq: Number(i.sk?.S),
    sealedAt: Number(i.sealedAt?.N),
    records: (JSON.parse(i.records?.S ?? '[]') as [string, string][]).map(([key, digest]) => ({ key, digest })),
    prev: i.prev?.S as string,
    chain: i.chain?.S as string,
  };
}

/** Partitions whose chain head a store keeps in memory. */
const HEADS = 20_000;

/**
 * What `toEvent`, `toTimer` and `toNotice` read of a ticket's items, and the sort key that tells
 * them apart: a ticket read returns no more (an event item's keys, time and day index entry are
 * half its attributes, and each costs the engine and the client per item).
 */
const TICKET_ATTRIBUTES: Projection = {
  ProjectionExpression:
    'sk, event, receivedAt, via, ticketId, #rule, kind, dueAt, fireAt, #state, explanation, recordedAt, severity, clientTier, lease',
  ExpressionAttributeNames: { '#rule': 'rule', '#state': 'state' },
};

function toTimer(item: Item): Timer {
  return {
    ticketId: item.ticketId?.S as string,
    rule: item.rule?.S as RuleId,
    kind: item.kind?.S as Timer['kind'],
    dueAt: Number(item.dueAt?.N),
    fireAt: Number(item.fireAt?.N),
  };
}

function toNotice(item: Item): Notice {
  return {
    ticketId: item.ticketId?.S as string,
    rule: item.rule?.S as RuleId,
    dueAt: Number(item.dueAt?.N),
    kind: item.kind?.S as Notice['kind'],
    state: item.state?.S as NoticeState,
    explanation: item.explanation?.S as string,
    recordedAt: Number(item.recordedAt?.N),
    severity: item.severity?.S as Notice['severity'],
    clientTier: item.clientTier?.S as Notice['clientTier'],
    ...(item.lease?.N ? { leaseUntil: Number(item.lease.N) } : {}),
  };
}

/** A ticket's partition as the engine reads it; with how each event arrived, for a sole writer that seals from memory. */
function ticketOf(items: readonly Item[]): StoredTicket & { receipts: Map<string, Receipt> } {
  const of = (prefix: string) => items.filter((item) => item.sk?.S?.startsWith(prefix));
  const events = of('E#');
  const receipts = new Map<string, Receipt>();
  for (const i of events)
    if (i.receivedAt?.N && i.via?.S)
      receipts.set((i.sk?.S ?? '').slice(2), { receivedAt: Number(i.receivedAt.N), via: i.via.S });
  return { events: events.map(toEvent), timers: of('TM#').map(toTimer), notices: of('N#').map(toNotice), receipts };
}

function toEvent(item: Item): CanonicalEvent {
  return JSON.parse(item.event?.S as string) as CanonicalEvent;
}
