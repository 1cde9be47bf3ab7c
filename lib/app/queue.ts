/**
 * Work per ticket off the request path: a ticket added while it waits is done once; a ticket added
 * while it is being done is done again afterwards (the newer events must be seen); a failure is
 * retried a second later. `serve` reconciles through this, so a webhook is answered as soon as its
 * events are stored.
 *
 * Paced per ticket: after a ticket's work took d ms, it is not started again for `pace` x d ms (at
 * most half a second), and
 * what arrives meanwhile is done in one go. A reconcile costs about as much as the ticket's history
 * is long, so a ticket with thousands of events, changed many times a second, costs a bounded
 * share of the CPU per event instead of one whole evaluation per event; a short one waits a
 * millisecond or two.
 */
/** The longest a ticket rests between two of its runs. */
const MAX_REST_MS = 500;

export class TicketQueue {
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  /** Tickets resting after a run (see the pacing above), until when. */
  private readonly resting = new Map<string, number>();
  /** Tickets added while they rest: they wait for their rest to end, outside `waiting`. */
  private readonly deferred = new Set<string>();
  private workers = 0;
  private stopped = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly work: (ticketId: string) => Promise<void>,
    private readonly concurrency = 4,
    private readonly onError: (ticketId: string, err: unknown) => void = () => {},
    private readonly pace = 10,
  ) {}

  get size(): number {
    return this.waiting.size + this.running.size + this.deferred.size;
  }

  add(ticketIds: Iterable<string>): void {
    if (this.stopped) return;
    for (const id of ticketIds) (this.resting.has(id) ? this.deferred : this.waiting).add(id);
    while (this.workers < this.concurrency && this.next() !== undefined) void this.worker();
  }

  /**
   * Drops what waits and resolves once what runs is done: for a shutdown, when what waits is
   * recorded elsewhere (serve's changed-ticket flags) and done after the restart.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.waiting.clear();
    this.deferred.clear();
    return this.idle();
  }

  /** Resolves when nothing waits and nothing runs. */
  idle(): Promise<void> {
    return this.size === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  /** The first waiting ticket not running (a ticket added while it runs waits for it to end). */
  private next(): string | undefined {
    for (const id of this.waiting) if (!this.running.has(id)) return id;
    return undefined;
  }

  /** After a run of `tookMs`: the ticket rests, and what was added meanwhile waits for the rest's end. */
  private rest(id: string, tookMs: number): void {
    // a reconcile's time is mostly waiting under load (the store's group commit): capped, so a
    // busy moment does not hold a ticket back for seconds
    const ms = Math.min(tookMs * this.pace, MAX_REST_MS);
    if (ms < 1) return;
    this.resting.set(id, performance.now() + ms);
    if (this.waiting.delete(id)) this.deferred.add(id);
    // not unref'd: a command awaiting idle() must not exit before the ticket is done
    setTimeout(() => {
      this.resting.delete(id);
      if (this.deferred.delete(id)) this.add([id]);
    }, Math.ceil(ms));
  }

  private async worker(): Promise<void> {
    this.workers++;
    for (let id = this.next(); id !== undefined; id = this.next()) {
      this.waiting.delete(id);
      this.running.add(id);
      const started = performance.now();
      try {
        await this.work(id);
        this.rest(id, performance.now() - started);
      } catch (err) {
        this.onError(id, err);
        setTimeout(() => this.add([id]), 1_000).unref?.();
      } finally {
        this.running.delete(id);
      }
      // Let waiting I/O (webhooks being answered) in between tickets: with the tickets in memory
      // a long backlog would otherwise run on microtasks alone and hold the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.workers--;
    if (this.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
