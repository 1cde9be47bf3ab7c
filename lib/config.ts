/** Configuration text (policy, mapping, secrets), validated by a zod schema. */
import type * as z from 'zod';
import { describeIssues } from './events/parse';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A plain object (not null, not a list). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns configuration text into a value: JSON here; lib/yaml.ts has YAML for the files people write. */
export type Decode = (text: string) => unknown;

export const decodeJson: Decode = (text) => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON: ${(err as Error).message}`);
  }
};

/**
 * Parses configuration text with `schema`; an empty text is `empty`. The error names each invalid
 * field by its path. JSON unless the caller passes another decoder: the Lambdas receive JSON and
 * so bundle no YAML parser.
 */
export function parseConfig<S extends z.ZodType>(
  text: string,
  schema: S,
  what: string,
  empty?: unknown,
  decode: Decode = decodeJson,
): z.output<S> {
  return parseConfigValue(text.trim() === '' ? undefined : decode(text), schema, what, empty);
}

/** `parseConfig` for a value already decoded. */
export function parseConfigValue<S extends z.ZodType>(
  value: unknown,
  schema: S,
  what: string,
  empty?: unknown,
): z.output<S> {
  const r = schema.safeParse(value ?? empty);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, { whole: `(${what})` }));
  return r.data;
}
