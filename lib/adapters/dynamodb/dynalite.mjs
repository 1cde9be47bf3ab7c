// dynalite, with its LevelDB iterators closed once read, and a bulk read of partitions.
//
// Iterators: dynalite turns each query's iterator into a stream that closes it on destroy only
// through `iterator.return()`, a method abstract-level 3 iterators do not have (they have
// `close()`). Unclosed, every iterator stays attached to the database with its native snapshot
// until the database closes: the embedded engine's memory grew by about 30 KB per Query, without
// bound (7 GB for one report over 200,000 tickets). Giving the iterators `return()` makes
// dynalite's own code close them. abstract-level is found from dynalite's own dependencies, so
// this patches the copy its LevelDB uses.
//
// Partitions: a Query costs dynalite about 0.5 ms of CPU whatever it returns (its validation, a
// table lookup, a stream per iterator, the JSON and CRC of its answer) and the SDK as much again,
// so a report that reads 200,000 tickets one Query each spent most of its time there.
// `readPartitions` reads many partitions' items in one pass of one LevelDB iterator, given where
// each starts (`partitionKey`) in the order dynalite stores them (`db.createKey`: the hash prefix,
// then the partition key, then the sort key), and hands back each item's stored JSON unchanged: the same items a Query returns
// without a projection. test/lib/adapters/partitions.test.ts holds it to what Query answers.
import { createRequire } from 'node:module';
import dynalite from 'dynalite';

const from = (module, parent) => createRequire(parent).resolve(module);
const dynaliteMain = from('dynalite', import.meta.url);
const level = from('level', dynaliteMain);
/** The classic-level module dynalite's LevelDB is, and the abstract-level it is built on (exported for their tests). */
const classic = from('classic-level', level);
export const classicLevel = createRequire(level)('classic-level');
export const abstractLevel = createRequire(classic)('abstract-level');
for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
  const proto = abstractLevel[name]?.prototype;
  if (proto && !proto.return) {
    Object.defineProperty(proto, 'return', {
      value() {
        return this.close();
      },
      configurable: true,
      writable: true,
    });
  }
}

/** dynalite's storage module: its key encoding, and the store `dynalite()` creates. */
const db = createRequire(dynaliteMain)('./db');

/** Where a partition's items start in dynalite's LevelDB (see `createKey` in dynalite's db). */
export function partitionKey(table, pk) {
  return `item-${table}~${db.hashPrefix(pk, 'S')}/${db.toRangeStr(pk, 'S')}/`;
}

/**
 * dynalite's server on `options` (and LevelDB's `maxOpenFiles`), with `readPartitions(starts)`
 * over the same store: for each partition (its `partitionKey`, in ascending order), the JSON of
 * its items in sort-key order, as stored.
 */
export function startEngine({ maxOpenFiles, ...options }) {
  let store;
  const create = db.create;
  db.create = (o) => {
    store = create(o);
    // dynalite opens its LevelDB with the defaults; the table cache is one of them (see local.ts)
    if (maxOpenFiles !== undefined) {
      const leveldb = store.db;
      const open = leveldb._open;
      leveldb._open = (opts) => open.call(leveldb, { ...opts, maxOpenFiles });
    }
    return store;
  };
  let server;
  try {
    server = dynalite(options);
  } finally {
    db.create = create;
  }
  return { server, readPartitions: (starts) => readPartitions(store.db, starts) };
}

/** Entries read at a time: a partition of a few dozen items is one read, a gap between two a seek. */
const BATCH = 128;

async function readPartitions(level, starts) {
  const out = starts.map(() => []);
  if (starts.length === 0) return out;
  // a sort key's encoding is hex: every key of a partition lies below its start followed by '~'
  const it = level.iterator({ gte: starts[0], lt: `${starts[starts.length - 1]}~`, valueEncoding: 'utf8' });
  try {
    let entries = [];
    let at = 0;
    let ended = false;
    const fill = async () => {
      entries = await it.nextv(BATCH);
      at = 0;
      ended = entries.length === 0;
    };
    await fill();
    for (const [k, start] of starts.entries()) {
      const end = `${start}~`;
      // past the partitions not asked for; a seek when they are more than the entries at hand
      while (!ended) {
        while (at < entries.length && entries[at][0] < start) at++;
        if (at < entries.length) break;
        it.seek(start);
        await fill();
      }
      while (!ended) {
        while (at < entries.length && entries[at][0] < end) out[k].push(entries[at++][1]);
        if (at < entries.length) break;
        await fill();
      }
      if (ended) break;
    }
  } finally {
    await it.close();
  }
  return out;
}

export default dynalite;
