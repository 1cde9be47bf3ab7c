/**
 * The report's long lists (its breaches, their groups by ticket, the open obligations, the CSV's
 * rows): collected a ticket at a time with the key of their order, and read back in that order as
 * often as a format needs them. In memory by default; a command on a large export gives lists
 * that keep their items on disk (cli/spill.ts), so that a report's memory does not grow with them.
 */

/** Where an item goes: ascending by the number, then the text, then the second number. */
export type OrderKey = readonly [number, string, number];

/** A list in its order: how long it is, and its items (each iteration reads it from the start). */
export interface OrderedList<T> extends Iterable<T> {
  readonly length: number;
}

export interface ListCollector<T> {
  add(key: OrderKey, item: T): void;
  /** The items in key order (items of one key in the order they came). */
  done(): OrderedList<T>;
}

/** Makes the collectors of one report; `name` tells a report's lists apart. */
export type Lists = <T>(name: string) => ListCollector<T>;

/** Orders keys, and any record that begins with one (the audit's output records, cli/spill.ts). */
export const byOrderKey = (a: readonly [...OrderKey, ...unknown[]], b: readonly [...OrderKey, ...unknown[]]): number =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2];

/** Lists held in memory: arrays. */
export function memoryLists<T>(_name: string): ListCollector<T> {
  const keyed: { key: OrderKey; item: T }[] = [];
  return {
    add: (key, item) => {
      keyed.push({ key, item });
    },
    // a stable sort: items of one key keep the order they came in
    done: () => keyed.sort((a, b) => byOrderKey(a.key, b.key)).map((k) => k.item),
  };
}

/** The items of a list, changed one at a time as they are read. */
export function mapList<T, U>(list: OrderedList<T>, f: (item: T) => U): OrderedList<U> {
  return {
    length: list.length,
    *[Symbol.iterator]() {
      for (const item of list) yield f(item);
    },
  };
}
