/**
 * The ports: what the use cases need from the outside world, as small interfaces. Each has an
 * in-memory fake (lib/adapters/memory) and real adapters; one contract test suite runs against all.
 */
import type { WaiverRecord } from './engine/waivers';
import type { CanonicalEvent, Severity } from './events/schema';
import type { Seal } from './ledger';
import type { RuleId } from './policy/schema';
import type { SourceId, SourceName } from './sources/types';

/** What appending an event did: new, an identical redelivery, or a different event under a known id. */
export type AppendOutcome = 'added' | 'duplicate' | 'conflict';

/** A signed request as received, enough to verify and translate it again (`replay`). */
export interface RawRequest {
  /** Sortable and unique: receipt time, then randomness. */
  readonly id: string;
  readonly source: SourceId;
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

/** How an event reached the store: when, and through what (a webhook request's id, `import:<vendor>`, `reconciliation:<vendor>`). */
export interface Receipt {
  readonly receivedAt: number;
  readonly via: string;
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
  append(events: readonly CanonicalEvent[], receipt?: Receipt): Promise<AppendOutcome[]>;
  /** A ticket's stored events, in no particular order. */
  history(ticketId: string): Promise<CanonicalEvent[]>;

  /**
   * Tickets with an event or a recorded breach on any UTC day overlapping [from, to), through the
   * day index: what a weekly report reads instead of scanning the table.
   */
  ticketsActive(from: number, to: number): Promise<string[]>;
  /** A ticket's events, armed timers and recorded notices at once (one read where the store allows). */
  ticket(ticketId: string): Promise<StoredTicket>;
  /**
   * Many tickets, each once, in an order of the store's choosing (the order it reads them fastest
   * in), a bounded number read ahead: what a report over a period reads.
   */
  tickets(ticketIds: readonly string[]): AsyncIterable<StoredTicket & { readonly ticketId: string }>;

  /** The timers armed for a ticket (what `reconcile` diffs against). */
  timers(ticketId: string): Promise<Timer[]>;
  /** Records armed timers and forgets disarmed ones. */
  saveTimers(armed: readonly Timer[], disarmed: readonly Timer[]): Promise<void>;
  /** Every armed timer that fires at or before `until`, soonest first (the in-process timers' start-up). */
  timersDue(until: number): Promise<Timer[]>;

  /**
   * Marks tickets as changed and not yet reconciled, durably (before their sender is answered), so
   * that a restart after any length of downtime reconciles exactly those. `at` is the flag's
   * time: flagging a ticket again moves it on.
   */
  flagChanged(ticketIds: readonly string[], at: number): Promise<void>;
  /** The tickets flagged and not yet cleared, each with the time of its latest flag. */
  changedTickets(): Promise<{ ticketId: string; at: number }[]>;
  /** Clears a ticket's flag once it is reconciled, unless it was flagged again after `at`. */
  clearChanged(ticketId: string, at: number): Promise<void>;

  /**
   * The register of waivers and revocations (lib/engine/waivers.ts), in the order they were
   * added. Append-only: nothing in it is changed or removed; a revocation is a record of its own.
   */
  waivers(): Promise<WaiverRecord[]>;
  /** Adds a waiver or revocation once: false when a record with its id is in the register (it stays). */
  addWaiver(record: WaiverRecord, at: number): Promise<boolean>;

  /**
   * Seals the records of a partition (`ticket:<id>`, or `waivers`) not sealed yet into its hash
   * chain, and each seal into its day's root (lib/ledger.ts); how many records it sealed. A store
   * that keeps no ledger seals nothing.
   */
  seal(partition: string, now: number): Promise<number>;
  /** The roots of UTC days (`yyyy-mm-dd`) from the seals made on them; a day without seals is left out. */
  dayRoots(days: readonly string[]): Promise<{ day: string; root: string; seals: number }[]>;

  /** Records a breach or warning once: false when it was already recorded. */
  record(notice: Notice): Promise<boolean>;
  /** A ticket's recorded breaches and warnings. */
  notices(ticketId: string): Promise<Notice[]>;
  /**
   * Moves a notice from state `from` to `to`; false when it is not in `from`. With `leaseMs` it is
   * a claim: it also takes a notice already in `to` whose lease has run out (its holder died), and
   * the caller holds it until `now + leaseMs` or until it moves it on.
   */
  transition(notice: NoticeKey, from: NoticeState, to: NoticeState, now: number, leaseMs?: number): Promise<boolean>;
}

/** A timer: check `ticketId`'s obligation (`rule`, `dueAt`) at `fireAt`. */
export interface StoredTicket {
  events: CanonicalEvent[];
  timers: Timer[];
  notices: Notice[];
}

export interface Timer {
  readonly ticketId: string;
  readonly rule: RuleId;
  readonly dueAt: number;
  /**
   * `deadline`: fires after the due time (plus the webhook-lag grace); `warning`: before it;
   * `lease`: when a claim on the obligation's notice runs out, so that an alert whose publisher
   * died is taken over then, not only when the ticket next changes.
   */
  readonly kind: 'deadline' | 'warning' | 'lease';
  readonly fireAt: number;
}

export const timerKey = (t: Timer): string => `${t.kind}|${t.ticketId}|${t.rule}|${t.dueAt}`;

/** A notice's identity (the same for a breach and the notice that records it). */
export const noticeKey = (n: NoticeKey): string => `${n.kind}|${n.ticketId}|${n.rule}|${n.dueAt}`;

export interface Timers {
  /** Arms timers; arming one that is armed already changes nothing. */
  arm(timers: readonly Timer[]): Promise<void>;
  /** Disarms timers; disarming one that is not armed (or has fired) is fine. */
  disarm(timers: readonly Timer[]): Promise<void>;
}

/**
 * A recorded breach or warning. Its delivery is a little state machine, so that it is alerted
 * once however often checks run: recorded -> alerting -> alerted, and a breach that late evidence
 * met: -> retracted -> retracting -> retraction-alerted.
 */
export type NoticeState = 'recorded' | 'alerting' | 'alerted' | 'retracted' | 'retracting' | 'retraction-alerted';

export interface NoticeKey {
  readonly ticketId: string;
  readonly rule: RuleId;
  readonly dueAt: number;
  /** `excuse`: an alerted breach a waiver now excuses (lib/engine/waivers.ts), told to on-call once. */
  readonly kind: 'breach' | 'warning' | 'excuse';
}

export interface Notice extends NoticeKey {
  readonly state: NoticeState;
  readonly severity: Severity | undefined;
  readonly clientTier: 'enterprise' | 'standard' | undefined;
  readonly explanation: string;
  readonly recordedAt: number;
  /** While claimed (`alerting`, `retracting`): when the claim's lease runs out. */
  readonly leaseUntil?: number;
}

export interface Alert {
  /** Stable across retries: subscribers can drop a repeat. */
  readonly alertId: string;
  readonly kind: 'breach' | 'retraction' | 'warning' | 'excused';
  readonly ticketId: string;
  readonly rule: RuleId;
  readonly dueAt: string;
  readonly severity: Severity | undefined;
  readonly clientTier: 'enterprise' | 'standard' | undefined;
  readonly policy: string;
  /** The version of the policy the obligation is judged by (the one in force when its clock started). */
  readonly policyVersion?: string;
  readonly explanation: string;
  /** Where to read the ticket: `GET /tickets/{id}`. */
  readonly link: string;
  readonly raisedAt: string;
}

export interface Alerts {
  publish(alert: Alert): Promise<void>;
}

/** Where weekly reports go: a folder on one machine, S3 in AWS. */
export interface ReportSink {
  /**
   * Stores one file of a report, its text given in pieces as they are made (a week's CSV can
   * be larger than a string may be); returns a link a manager can open.
   */
  put(name: string, contentType: string, body: Iterable<string>): Promise<string>;
}

/**
 * A vendor's history, page by page, as payloads shaped like its webhooks (so that one translation
 * per vendor serves both), resumable: each page carries the cursor to ask for the next one with.
 */
/**
 * Small named values kept with the store: where each vendor's periodic repair last pulled to.
 * An item of the table in AWS and in the embedded store alike.
 */
export interface Cursors {
  readCursor(name: string): Promise<string | undefined>;
  writeCursor(name: string, value: string): Promise<void>;
}

export interface HistorySource {
  /** Whose translation applies. */
  readonly source: SourceName;
  pages(cursor: string | undefined): AsyncIterable<HistoryPage>;
}

export interface HistoryPage {
  readonly payloads: readonly unknown[];
  /** Where the next page starts: saved once this page's events are written, to resume from. */
  readonly cursor: string;
  /** Where the import stands, in the vendor's words (for progress), e.g. the day being read. */
  readonly position: string;
}

/** Evidence bundles (lib/app/evidence.ts): a ticket's records as stored, with their digests and seals. */
export interface StoredEvent {
  readonly key: string;
  readonly event: CanonicalEvent;
  readonly receivedAt?: number;
  readonly via?: string;
  readonly digest: string;
}

export interface StoredNotice extends Notice {
  readonly key: string;
  readonly digest: string;
}

/** What a store keeps of a ticket, as stored. */
export interface TicketRecords {
  readonly events: readonly StoredEvent[];
  readonly notices: readonly StoredNotice[];
  readonly seals: readonly Seal[];
  /** The ticket is flagged changed: its newest records may await their seal. */
  readonly pending: boolean;
}

export interface EvidenceSource {
  ticketRecords(ticketId: string): Promise<TicketRecords>;
  waivers(): Promise<WaiverRecord[]>;
  dayRoots(days: readonly string[]): Promise<{ day: string; root: string; seals: number }[]>;
}
