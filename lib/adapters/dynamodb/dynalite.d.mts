import dynalite from 'dynalite';

export const abstractLevel: Record<string, { prototype: { close(): Promise<void> } } | undefined>;
export default dynalite;
