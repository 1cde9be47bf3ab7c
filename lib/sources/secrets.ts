/** Webhook signing secrets per source: one, or several during a rotation. */
import * as z from 'zod';
import { type Decode, parseConfig } from '../config';
import { SOURCE_NAMES, type SourceName } from './types';

export type Secrets = Partial<Record<SourceName, string[]>>;

/** The published secret `serve` signs every source with until it is given real ones (`--secrets`). */
export const DEV_SECRET = 'escalation-auditor-dev-secret';

/** Every source signed with the development secret. */
export const devSecrets = (): Secrets => Object.fromEntries(SOURCE_NAMES.map((s) => [s, [DEV_SECRET]]));

const SecretsConfig = z.partialRecord(
  z.enum(SOURCE_NAMES),
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
);

/** Reads `{ zendesk: "secret", jira: ["new", "old"] }` from JSON or YAML text. */
export function parseSecrets(text: string, decode?: Decode): Secrets {
  const secrets = parseConfig(text, SecretsConfig, 'secrets', {}, decode);
  return Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

/** Where the signing secrets come from when they can change while running (rotation, revocation). */
export interface SecretSource {
  /** The secrets, read again once they are older than the source's maximum age. */
  current(): Promise<Secrets>;
  /**
   * Read again now, before a request is refused for its signature (a secret rotated since the
   * last read); at most once per `minRereadMs`, so failing signatures cannot drive the reads.
   */
  reread(): Promise<Secrets>;
}

/** `load` behind a cache: re-read after `maxAgeMs`, and on demand no more often than `minRereadMs`. */
export function cachedSecrets(
  load: () => Promise<Secrets>,
  {
    maxAgeMs = 300_000,
    minRereadMs = 30_000,
    now = Date.now,
  }: { maxAgeMs?: number; minRereadMs?: number; now?: () => number } = {},
): SecretSource {
  let value: Promise<Secrets> | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  const read = () => {
    readAt = now();
    const next = load();
    // a failed read is not kept: the next request tries again
    next.catch(() => {
      if (value === next) value = undefined;
    });
    value = next;
    return next;
  };
  return {
    current: () => (value && now() - readAt < maxAgeMs ? value : read()),
    reread: () => (value && now() - readAt < minRereadMs ? value : read()),
  };
}
