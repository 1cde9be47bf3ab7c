import { ConfigError, type Decode, decodeJson, isObject, parseConfigValue } from '../config';
import { describeIssues } from '../events/parse';
import { Timestamp } from '../events/schema';
import { type Policy, PolicyConfig, type PolicyVersion } from './schema';

/** `over` laid on `base` at every depth; a list (or any other value) given replaces the base's. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) ? merge(base[k], v) : v;
  return out;
}

/**
 * Reads a policy from JSON text (or YAML with lib/yaml's decoder); defaults fill what it omits.
 *
 * Versions with effective dates: `versions: [{ effective: <RFC 3339>, version: <its name>, ...}]`,
 * each a full or partial policy laid over the one before it (the file's top level is the first
 * version, in force before the first `effective`). Effective dates must rise, and each version
 * names itself; a key a version does not know is refused and named (`versions.0.rules.…`).
 */
export function parsePolicy(text: string, decode: Decode = decodeJson): Policy {
  const raw = text.trim() === '' ? undefined : decode(text);
  // the text is decoded once: a policy without versions is the common case, read at every start
  if (!isObject(raw) || !('versions' in raw)) return parseConfigValue(raw, PolicyConfig, 'policy');
  const { versions: list, ...first } = raw;
  const base = parseConfigValue(first, PolicyConfig, 'policy');
  if (!Array.isArray(list)) throw new ConfigError('versions: expected a list of { effective, version, ... }');
  const versions: PolicyVersion[] = [];
  let previous = first;
  let previousEffective = Number.NEGATIVE_INFINITY;
  for (const [i, entry] of list.entries()) {
    if (!isObject(entry)) throw new ConfigError(`versions.${i}: expected { effective, version, ... }`);
    const { effective, ...changes } = entry;
    if (!Timestamp.safeParse(effective).success)
      throw new ConfigError(`versions.${i}.effective: expected an RFC 3339 time, like 2026-04-01T00:00:00Z`);
    const at = Date.parse(effective as string);
    if (at <= previousEffective) throw new ConfigError(`versions.${i}.effective: must be after the version before it`);
    if (typeof changes.version !== 'string' || changes.version === '')
      throw new ConfigError(`versions.${i}.version: each version names itself (e.g. "2026-04-01")`);
    const merged = merge(previous, changes);
    const r = PolicyConfig.safeParse(merged);
    if (!r.success)
      throw new ConfigError(describeIssues(r.error.issues, { under: `versions.${i}`, whole: `versions.${i}` }));
    if (r.data.id !== base.id) throw new ConfigError(`versions.${i}.id: a version cannot change the policy's id`);
    if ([base, ...versions.map((v) => v.policy)].some((p) => p.version === r.data.version))
      throw new ConfigError(`versions.${i}.version: "${r.data.version}" is the name of an earlier version`);
    versions.push({ effective: at, policy: r.data });
    previous = merged;
    previousEffective = at;
  }
  return versions.length ? { ...base, versions } : base;
}
