/**
 * In-process timers for `serve`: one `setTimeout` for the soonest timer of a min-heap. The store
 * keeps the armed timers (Store.saveTimers), so `start` re-arms them after a restart and fires
 * the overdue ones at once. A failed check is tried again a second later.
 */
import { type Timer, type Timers, timerKey } from '../../ports';

/** `setTimeout` takes at most 2^31-1 ms; later timers are re-examined then. */
const MAX_DELAY = 2 ** 31 - 1;
const RETRY_MS = 1_000;

export class LocalTimers implements Timers {
  private readonly heap: Timer[] = [];
  private readonly armed = new Map<string, Timer>();
  private handle: NodeJS.Timeout | undefined;
  private running = 0;
  private stopped = false;

  constructor(
    private readonly fire: (timer: Timer) => Promise<void>,
    private readonly now: () => number = Date.now,
    private readonly onError: (timer: Timer, err: unknown) => void = () => {},
  ) {}

  /** Re-arms persisted timers (overdue ones fire at once). */
  start(persisted: readonly Timer[]): void {
    for (const t of persisted) this.add(t);
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.handle);
  }

  get size(): number {
    return this.armed.size;
  }

  /** Entries the heap holds: the armed timers and disarmed ones not yet dropped (bounded by compaction). */
  get heapSize(): number {
    return this.heap.length;
  }

  async arm(timers: readonly Timer[]): Promise<void> {
    for (const t of timers) this.add(t);
    this.wake();
  }

  async disarm(timers: readonly Timer[]): Promise<void> {
    // lazy deletion: the heap entry is skipped when it comes up
    for (const t of timers) this.armed.delete(timerKey(t));
    // ...but timers that move with every change of a busy ticket would pile up in the heap until
    // their old times came (hours): past twice the armed ones, the heap is made again from them
    if (this.heap.length > 2 * this.armed.size + 1_024) this.compact();
  }

  /** The heap holds only the armed timers again (a sorted array is a heap). */
  private compact(): void {
    const live = [...this.armed.values()].sort((a, b) => a.fireAt - b.fireAt);
    this.heap.length = 0;
    for (const t of live) this.heap.push(t);
  }

  private add(t: Timer): void {
    const key = timerKey(t);
    if (this.armed.has(key)) return;
    this.armed.set(key, t);
    push(this.heap, t);
  }

  private wake(): void {
    if (this.stopped) return;
    clearTimeout(this.handle);
    while (this.heap.length && !this.armed.has(timerKey(this.heap[0] as Timer))) pop(this.heap);
    const next = this.heap[0];
    if (!next) return;
    const delay = Math.min(Math.max(0, next.fireAt - this.now()), MAX_DELAY);
    this.handle = setTimeout(() => this.tick(), delay);
    this.handle.unref?.();
  }

  private tick(): void {
    const now = this.now();
    while (this.heap.length && (this.heap[0] as Timer).fireAt <= now) {
      const t = pop(this.heap) as Timer;
      const key = timerKey(t);
      if (this.armed.get(key) !== t) continue;
      this.armed.delete(key);
      this.running++;
      this.fire(t)
        .catch((err) => {
          this.onError(t, err);
          this.add({ ...t, fireAt: this.now() + RETRY_MS });
          this.wake();
        })
        .finally(() => this.running--);
    }
    this.wake();
  }
}

// A binary min-heap on fireAt.
function push(heap: Timer[], t: Timer): void {
  heap.push(t);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as Timer).fireAt <= t.fireAt) break;
    [heap[i], heap[parent]] = [heap[parent] as Timer, t];
    i = parent;
  }
}

function pop(heap: Timer[]): Timer | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let min = i;
    if (l < heap.length && (heap[l] as Timer).fireAt < (heap[min] as Timer).fireAt) min = l;
    if (r < heap.length && (heap[r] as Timer).fireAt < (heap[min] as Timer).fireAt) min = r;
    if (min === i) break;
    [heap[i], heap[min]] = [heap[min] as Timer, heap[i] as Timer];
    i = min;
  }
  return top;
}
