/**
 * The ports: what the use cases need from the outside world, as small interfaces. Each has an
 * in-memory fake (lib/adapters/memory) and real adapters; one contract test suite runs against all.
 */
import type { CanonicalEvent } from './events/schema';
import type { SourceName } from './sources/types';

/** What appending an event did: new, an identical redelivery, or a different event under a known id. */
export type AppendOutcome = 'added' | 'duplicate' | 'conflict';

/** A signed request as received, enough to verify and translate it again (`replay`). */
export interface RawRequest {
  /** Sortable and unique: receipt time, then randomness. */
  readonly id: string;
  readonly source: SourceName;
  readonly receivedAt: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body, UTF-8 text, or base64 when the bytes were not valid UTF-8. */
  readonly body: string;
  readonly bodyEncoding: 'utf8' | 'base64';
}

/** What became of an archived request, when it needs reporting. */
export interface RawOutcome {
  readonly unmapped: readonly string[];
  /** Ids reused by a different event (the stored one stays). */
  readonly conflicts: readonly string[];
  /** Why the request was refused (400), when it was. */
  readonly invalid?: string;
}

export interface ArchivedRequest extends RawRequest {
  readonly outcome?: RawOutcome;
}

export interface Store {
  /** Archives a signed request before anything translates it. */
  archive(raw: RawRequest): Promise<void>;
  /** Records on an archived request why (part of) it was not translated. */
  report(raw: RawRequest, outcome: RawOutcome): Promise<void>;
  /** Archived requests received in [from, to), oldest first. */
  archived(from: number, to: number): AsyncIterable<ArchivedRequest>;
  /**
   * Appends validated canonical events to their tickets' histories, exactly once each: an
   * identical redelivery is a no-op, a different event under a known id is refused (the first stays).
   */
  append(events: readonly CanonicalEvent[]): Promise<AppendOutcome[]>;
  /** A ticket's stored events, in no particular order. */
  history(ticketId: string): Promise<CanonicalEvent[]>;
}
