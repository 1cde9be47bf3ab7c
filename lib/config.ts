/** Configuration text (policy, mapping, secrets): JSON or YAML, validated by a zod schema. */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { describeIssues } from './events/parse';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses JSON or YAML text (YAML is a superset of JSON) with `schema`; an empty text is `empty`.
 * The error names each invalid field by its path.
 */
export function parseConfig<S extends z.ZodType>(text: string, schema: S, what: string, empty?: unknown): z.output<S> {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const r = schema.safeParse(value ?? empty);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, what));
  return r.data;
}
