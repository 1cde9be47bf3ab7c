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
