// dynalite, with its LevelDB iterators closed once read. dynalite turns each query's iterator into
// a stream that closes it on destroy only through `iterator.return()`, a method abstract-level 3
// iterators do not have (they have `close()`). Unclosed, every iterator stays attached to the
// database with its native snapshot until the database closes: the embedded engine's memory grew
// by about 30 KB per Query, without bound (7 GB for one report over 200,000 tickets). Giving the
// iterators `return()` makes dynalite's own code close them. abstract-level is found from
// dynalite's own dependencies, so this patches the copy its LevelDB uses.
import { createRequire } from 'node:module';
import dynalite from 'dynalite';

const from = (module, parent) => createRequire(parent).resolve(module);
const level = from('level', from('dynalite', import.meta.url));
/** The abstract-level module dynalite's LevelDB is built on (exported for its test). */
export const abstractLevel = createRequire(from('classic-level', level))('abstract-level');
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

export default dynalite;
