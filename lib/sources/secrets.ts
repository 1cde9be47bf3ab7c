/** Webhook signing secrets per source: one, or several during a rotation. */
import * as z from 'zod';
import { type Cached, cached } from '../cache';
import { type Decode, parseConfig } from '../config';
import { CUSTOM_NAME } from './custom';
import { SOURCE_NAMES, type SourceId } from './types';

/** Per source; and `waivers`: the secret that signs `POST /waivers` (the register of approved exceptions). */
export type Secrets = Partial<Record<SourceId | 'waivers', string[]>>;

/** The published secret `serve` signs every source with until it is given real ones (`--secrets`). */
export const DEV_SECRET = 'escalation-auditor-dev-secret';

/** Every source signed with the development secret, the custom ones named too. */
export const devSecrets = (custom: readonly string[] = []): Secrets =>
  Object.fromEntries([...SOURCE_NAMES, 'waivers', ...custom.map((c) => `custom:${c}`)].map((s) => [s, [DEV_SECRET]]));

const OneOrMore = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const SecretsConfig = z.strictObject({
  ...Object.fromEntries(SOURCE_NAMES.map((s) => [s, OneOrMore.optional()])),
  /** Signs `POST /waivers` (managers adding to the register), apart from every webhook source. */
  waivers: OneOrMore.optional(),
  /** The custom sources' secrets (or tokens), by name. */
  custom: z.record(z.string().regex(CUSTOM_NAME, 'a custom source name'), OneOrMore).optional(),
});

/** Reads `{ zendesk: "secret", jira: ["new", "old"], custom: { freshdesk: "token" } }` from JSON or YAML text. */
export function parseSecrets(text: string, decode?: Decode): Secrets {
  const { custom, ...builtIn } = parseConfig(text, SecretsConfig, 'secrets', {}, decode) as Record<
    string,
    string | string[]
  > & { custom?: Record<string, string | string[]> };
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  return Object.fromEntries([
    ...Object.entries(builtIn).map(([k, v]) => [k, list(v)]),
    ...Object.entries(custom ?? {}).map(([k, v]) => [`custom:${k}`, list(v)]),
  ]);
}

/**
 * Where the signing secrets come from when they can change while running (rotation,
 * revocation): `current` reads them again once older than the maximum age; `reread` reads them
 * again before a request is refused for its signature (a secret rotated since the last read), at
 * most once per `minRereadMs`, so failing signatures cannot drive the reads.
 */
export type SecretSource = Cached<Secrets>;

/** `load` behind a cache: re-read after `maxAgeMs`, and on demand no more often than `minRereadMs`. */
export const cachedSecrets = (
  load: () => Promise<Secrets>,
  {
    maxAgeMs = 300_000,
    minRereadMs = 30_000,
    now = Date.now,
  }: { maxAgeMs?: number; minRereadMs?: number; now?: () => number } = {},
): SecretSource => cached(load, { maxAgeMs, minRereadMs, now });
