/** Configuration text (policy, mapping, secrets), validated by a zod schema. */
import type * as z from 'zod';
import { describeIssues } from './events/parse';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
  const value = text.trim() === '' ? undefined : decode(text);
  const r = schema.safeParse(value ?? empty);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, { whole: `(${what})` }));
  return r.data;
}
