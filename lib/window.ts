/**
 * `read` of each of `items`, at most `limit` at a time, yielded in the items' order: a bounded
 * number of reads in flight and of results held, however many items there are. A consumer that
 * stops early lets go of what was read ahead (a failure of it included).
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  limit: number,
  read: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const reading: Promise<R>[] = [];
  let next = 0;
  try {
    while (next < items.length || reading.length > 0) {
      while (reading.length < limit && next < items.length) reading.push(read(items[next++] as T));
      yield await (reading.shift() as Promise<R>);
    }
  } finally {
    for (const r of reading) r.catch(() => {});
  }
}
