import { parse as parseYaml } from 'yaml';
import { describeIssues } from '../events/parse';
import { type Policy, PolicyConfig } from './schema';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** Reads a policy from JSON or YAML text (YAML is a superset of JSON); defaults fill what it omits. */
export function parsePolicy(text: string): Policy {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new PolicyError(`not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = PolicyConfig.safeParse(value ?? undefined);
  if (!result.success) throw new PolicyError(describeIssues(result.error.issues, 'policy'));
  return result.data;
}
