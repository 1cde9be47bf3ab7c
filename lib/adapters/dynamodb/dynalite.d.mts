import dynalite from 'dynalite';

export const abstractLevel: Record<string, { prototype: { close(): Promise<void> } } | undefined>;
export function partitionKey(table: string, pk: string): string;
export function startEngine(options: object): {
  server: ReturnType<typeof dynalite>;
  /** For each partition (its `partitionKey`, ascending), the JSON of its items in sort-key order, as stored. */
  readPartitions(starts: readonly string[]): Promise<string[][]>;
};
export default dynalite;
