/** A value read through `load` and kept: read again once older than `maxAgeMs`, or on demand. */
export interface Cached<T> {
  /** The value, read again once it is older than the maximum age. */
  current(): Promise<T>;
  /** Read again now, unless the last read is younger than `minRereadMs`. */
  reread(): Promise<T>;
}

/** `load` behind a cache. A failed read is not kept: the next call reads again. */
export function cached<T>(
  load: () => Promise<T>,
  { maxAgeMs, minRereadMs = 0, now = Date.now }: { maxAgeMs: number; minRereadMs?: number; now?: () => number },
): Cached<T> {
  let value: Promise<T> | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  const read = () => {
    readAt = now();
    const next = load();
    next.catch(() => {
      if (value === next) value = undefined;
    });
    value = next;
    return next;
  };
  return {
    current: () => (value && now() - readAt < maxAgeMs ? value : read()),
    reread: () => (value && now() - readAt < minRereadMs ? value : read()),
  };
}
