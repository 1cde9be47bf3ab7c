/** The example export (examples/export.jsonl), as lines and as an audited shard. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Shard } from '../../cli/shard';

export const EXAMPLE = join(import.meta.dirname, '../../examples/export.jsonl');
export const exampleLines = (): string[] => readFileSync(EXAMPLE, 'utf8').split('\n').filter(Boolean);

export function exampleShard(): Shard {
  return Shard.ofLines(exampleLines());
}
