import dynalite from 'dynalite';

export const abstractLevel: Record<string, { prototype: { close(): Promise<void> } } | undefined>;
export const classicLevel: { ClassicLevel: { prototype: { _open(options: object): Promise<void> } } };
export function partitionKey(table: string, pk: string): string;
export function startEngine(options: { maxOpenFiles?: number }): {
  server: ReturnType<typeof dynalite>;
  /** For each partition (its `partitionKey`, ascending), the JSON of its items in sort-key order, as stored. */
  readPartitions(starts: readonly string[]): Promise<string[][]>;
};
export default dynalite;
