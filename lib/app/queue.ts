/**
 * Work per ticket off the request path: a ticket added while it waits is done once; a ticket added
 * while it is being done is done again afterwards (the newer events must be seen); a failure is
 * retried a second later. `serve` reconciles through this, so a webhook is answered as soon as its
 * events are stored.
 */
export class TicketQueue {
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  private workers = 0;
  private stopped = false;
  private drained: (() => void)[] = [];

  constructor(
    private readonly work: (ticketId: string) => Promise<void>,
    private readonly concurrency = 4,
    private readonly onError: (ticketId: string, err: unknown) => void = () => {},
  ) {}

  get size(): number {
    return this.waiting.size + this.running.size;
  }

  add(ticketIds: Iterable<string>): void {
    if (this.stopped) return;
    for (const id of ticketIds) this.waiting.add(id);
    while (this.workers < this.concurrency && this.next() !== undefined) void this.worker();
  }

  /**
   * Drops what waits and resolves once what runs is done: for a shutdown, when what waits is
   * recorded elsewhere (serve's changed-ticket flags) and done after the restart.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.waiting.clear();
    return this.idle();
  }

  /** Resolves when nothing waits and nothing runs. */
  idle(): Promise<void> {
    return this.size === 0 ? Promise.resolve() : new Promise((resolve) => this.drained.push(resolve));
  }

  private next(): string | undefined {
    for (const id of this.waiting) if (!this.running.has(id)) return id;
    return undefined;
  }

  private async worker(): Promise<void> {
    this.workers++;
    for (let id = this.next(); id !== undefined; id = this.next()) {
      this.waiting.delete(id);
      this.running.add(id);
      try {
        await this.work(id);
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
