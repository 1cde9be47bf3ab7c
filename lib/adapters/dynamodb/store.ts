/**
 * The store on DynamoDB (and its local forms, dynalite and DynamoDB Local), single-table:
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | a ticket's history | `T#<ticketId>` | `HISTORY` | `events`: map of event id -> canonical JSON; `updatedAt` |
 * | an archived request | `RAW#<yyyy-mm-dd>` | `<receivedAt ISO>#<id>` | source, headers, body, outcome, `expiresAt` (TTL) |
 *
 * The history item is the per-ticket projection: one consistent read gives the engine everything.
 * Appending is a conditional write per event id (`attribute_not_exists(events.#id)`), so a
 * redelivery, a retry or a concurrent duplicate can never add an event twice, and nothing is ever
 * overwritten. Requests are archived in batches (group commit) so that a busy webhook endpoint
 * costs about one write request per event. Uses only what dynalite and DynamoDB Local both support
 * (no transactions, no PartiQL).
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ResourceInUseException,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { CanonicalEvent } from '../../events/schema';
import type { AppendOutcome, ArchivedRequest, RawOutcome, RawRequest, Store } from '../../ports';
import type { SourceName } from '../../sources/types';
import { same } from '../memory/store';

const DAY = 86_400_000;
/** Events per conditional update (the expression stays far below DynamoDB's 4 KB limit). */
const CHUNK = 20;

export interface DynamoStoreOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** How long archived requests are kept (TTL), in days. */
  readonly retentionDays?: number;
}

const ticketKey = (ticketId: string) => ({ pk: { S: `T#${ticketId}` }, sk: { S: 'HISTORY' } });
const rawKey = (raw: RawRequest) => ({
  pk: { S: `RAW#${new Date(raw.receivedAt).toISOString().slice(0, 10)}` },
  sk: { S: `${new Date(raw.receivedAt).toISOString()}#${raw.id}` },
});

/** Counts of DynamoDB write requests and item writes, for the benchmark. */
export interface WriteCounters {
  requests: number;
  items: number;
}

export class DynamoStore implements Store {
  readonly counters: WriteCounters = { requests: 0, items: 0 };
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly retentionDays: number;
  private queue: { item: WriteRequest; done: (err?: unknown) => void }[] = [];
  private flushing = false;

  constructor(opts: DynamoStoreOptions) {
    this.client = opts.client;
    this.table = opts.table;
    this.retentionDays = opts.retentionDays ?? 30;
  }

  archive(raw: RawRequest): Promise<void> {
    const item: WriteRequest = {
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
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ item, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Group commit: everything archived since the last flush goes out in batches of 25. */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 25);
      try {
        let pending = batch.map((b) => b.item);
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 8) throw new Error(`DynamoDB left ${pending.length} archive writes unprocessed`);
          if (attempt > 0) await new Promise((r) => setTimeout(r, 2 ** attempt * 10));
          this.counters.requests++;
          this.counters.items += pending.length;
          const r = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
          pending = r.UnprocessedItems?.[this.table] ?? [];
        }
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err);
      }
    }
    this.flushing = false;
  }

  async report(raw: RawRequest, outcome: RawOutcome): Promise<void> {
    this.counters.requests++;
    this.counters.items++;
    await this.client.send(
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
      let start: Record<string, never> | undefined;
      do {
        const r = await this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': { S: `RAW#${new Date(day).toISOString().slice(0, 10)}` },
              ':from': { S: new Date(Math.max(from, day)).toISOString() },
              ':to': { S: `${new Date(Math.min(to, day + DAY) - 1).toISOString()}~` },
            },
            ExclusiveStartKey: start,
            ConsistentRead: true,
          }),
        );
        for (const item of r.Items ?? []) {
          const receivedAt = Number(item.receivedAt?.N);
          if (receivedAt < from || receivedAt >= to) continue;
          yield {
            id: item.id?.S as string,
            source: item.source?.S as SourceName,
            receivedAt,
            headers: Object.fromEntries(Object.entries(item.headers?.M ?? {}).map(([k, v]) => [k, v.S as string])),
            body: item.body?.S as string,
            bodyEncoding: item.bodyEncoding?.S as 'utf8' | 'base64',
            ...(item.outcome?.S ? { outcome: JSON.parse(item.outcome.S) as RawOutcome } : {}),
          };
        }
        start = r.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
    }
  }

  async append(events: readonly CanonicalEvent[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = new Array(events.length);
    // one id twice in one call: the second is judged against the first, like any redelivery
    const first = new Map<string, number>();
    const byTicket = new Map<string, number[]>();
    events.forEach((ev, i) => {
      const seen = first.get(`${ev.ticketId}\u0000${ev.id}`);
      if (seen !== undefined) {
        outcomes[i] = same(events[seen] as CanonicalEvent, ev) ? 'duplicate' : 'conflict';
        return;
      }
      first.set(`${ev.ticketId}\u0000${ev.id}`, i);
      byTicket.set(ev.ticketId, [...(byTicket.get(ev.ticketId) ?? []), i]);
    });
    await Promise.all(
      [...byTicket.entries()].map(async ([ticketId, indexes]) => {
        for (let c = 0; c < indexes.length; c += CHUNK) {
          const chunk = indexes.slice(c, c + CHUNK);
          const list = chunk.map((i) => events[i] as CanonicalEvent);
          if (await this.addAll(ticketId, list)) for (const i of chunk) outcomes[i] = 'added';
          else for (const i of chunk) outcomes[i] = await this.addOne(events[i] as CanonicalEvent);
        }
      }),
    );
    return outcomes;
  }

  /** Adds events none of which the history holds yet, in one write; false when one is already there. */
  private async addAll(ticketId: string, events: readonly CanonicalEvent[]): Promise<boolean> {
    const names: Record<string, string> = { '#e': 'events' };
    const values: Record<string, { S: string } | { N: string }> = { ':now': { N: String(Date.now()) } };
    const sets: string[] = [];
    const conditions: string[] = [];
    events.forEach((ev, i) => {
      names[`#k${i}`] = ev.id;
      values[`:v${i}`] = { S: JSON.stringify(ev) };
      sets.push(`#e.#k${i} = :v${i}`);
      conditions.push(`attribute_not_exists(#e.#k${i})`);
    });
    try {
      this.counters.requests++;
      this.counters.items++;
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: ticketKey(ticketId),
          UpdateExpression: `SET ${sets.join(', ')}, updatedAt = :now`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      if (!isMissingItem(err)) throw err;
    }
    // the ticket has no history yet: create it with these events, unless someone just did
    try {
      this.counters.requests++;
      this.counters.items++;
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: ticketKey(ticketId),
          UpdateExpression: 'SET #e = :events, updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeNames: { '#e': 'events' },
          ExpressionAttributeValues: {
            ':events': { M: Object.fromEntries(events.map((ev) => [ev.id, { S: JSON.stringify(ev) }])) },
            ':now': { N: String(Date.now()) },
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return this.addAll(ticketId, events);
      throw err;
    }
  }

  /** Adds one event, or says whether the one already stored under its id is the same. */
  private async addOne(ev: CanonicalEvent): Promise<AppendOutcome> {
    if (await this.addAll(ev.ticketId, [ev])) return 'added';
    const r = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: ticketKey(ev.ticketId),
        ProjectionExpression: '#e.#k',
        ExpressionAttributeNames: { '#e': 'events', '#k': ev.id },
        ConsistentRead: true,
      }),
    );
    const stored = r.Item?.events?.M?.[ev.id]?.S;
    return stored && same(JSON.parse(stored) as CanonicalEvent, ev) ? 'duplicate' : 'conflict';
  }

  async history(ticketId: string): Promise<CanonicalEvent[]> {
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: ticketKey(ticketId), ConsistentRead: true }),
    );
    return Object.values(r.Item?.events?.M ?? {}).map((v) => JSON.parse(v.S as string) as CanonicalEvent);
  }
}

/** DynamoDB's answer to SET on a map attribute of an item (or map) that does not exist yet. */
function isMissingItem(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === 'ValidationException' &&
    /document path provided in the update expression is invalid/i.test(err.message)
  );
}

/** Creates the table (local engines and tests; in AWS the CDK stack owns it). */
export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
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
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
}
