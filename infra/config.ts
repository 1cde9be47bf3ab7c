/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`) and validated,
 * so that a typo fails `cdk synth` with the field's name instead of deploying something else.
 *
 * | key | default | meaning |
 * |---|---|---|
 * | `stage` | `dev` | part of every name; one stack per stage |
 * | `policyFile` | CS-POL-001 built in | the policy (JSON or YAML) the functions evaluate |
 * | `mappingFile` | none (canonical only) | how vendors' payloads map to canonical events |
 * | `timeZone` | the policy's | overrides the policy's calendar zone (and the weekly report's) |
 * | `secretsParameter` | `/escalation-auditor/<stage>/webhook-secrets` | SSM SecureString with the signing secrets |
 * | `subscriptions` | none | `{alerts, reports, ops}`: e-mail addresses and HTTPS endpoints |
 * | `archiveRetentionDays` | 30 | raw webhook archive lifetime (DynamoDB TTL) |
 * | `reportRetentionDays` | 400 | weekly reports kept in S3 |
 * | `logRetentionDays` | 30 | Lambda and API access logs |
 * | `graceSeconds` | 60 | how long after a deadline the checker waits for late evidence |
 * | `apiRateLimit`, `apiBurstLimit` | 50, 100 | API Gateway throttling (requests/s) |
 * | `reconcileFrom` | none | vendors whose changes the repair function pulls, e.g. `pagerduty,jira` |
 * | `reconcileEveryMinutes` | 15 | how often it pulls |
 * | `vendorUrls` | PagerDuty's API | `{"jira": "https://acme.atlassian.net", "zendesk": "https://acme.zendesk.com"}` |
 * | `credentialsParameter` | `/escalation-auditor/<stage>/vendor-credentials` | SSM SecureString with the vendors' API credentials |
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { historyGap } from '../lib/adapters/vendors';
import { IMPORT_VENDORS } from '../lib/adapters/vendors/names';
import { ConfigError } from '../lib/config';
import { describeIssues } from '../lib/events/parse';
import { parsePolicy } from '../lib/policy/load';
import { DEFAULT_POLICY, type Policy } from '../lib/policy/schema';
import { parseMapping } from '../lib/sources/mapping';
import { decodeYaml } from '../lib/yaml';

/** Context from the command line arrives as text: lists may be comma-separated, objects JSON. */
const commaList = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );
const list = commaList(z.union([z.email(), z.url({ protocol: /^https$/ })]));
const json = (v: unknown) => (typeof v === 'string' && v.trim().startsWith('{') ? JSON.parse(v) : v);
/** A vendor's address: HTTPS, or HTTP on this machine (a stand-in for the vendor in tests). */
const vendorUrl = z
  .url()
  .refine(
    (u) => u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(u),
    'an https:// address',
  );
const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const DeployContext = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,15}$/, 'lower-case letters, digits and dashes, at most 16, starting with a letter')
    .default('dev'),
  policyFile: z.string().optional(),
  mappingFile: z.string().optional(),
  timeZone: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone')
    .optional(),
  secretsParameter: z
    .string()
    .regex(/^\/[\w./-]+$/, 'an SSM parameter name starting with /')
    .optional(),
  subscriptions: z.preprocess(
    json,
    z
      .object({ alerts: list.default([]), reports: list.default([]), ops: list.default([]) })
      .strict()
      .default({ alerts: [], reports: [], ops: [] }),
  ),
  archiveRetentionDays: int(1, 3650, 30),
  reportRetentionDays: int(7, 3650, 400),
  logRetentionDays: int(1, 3653, 30),
  graceSeconds: int(0, 3600, 60),
  apiRateLimit: int(1, 10_000, 50),
  apiBurstLimit: int(1, 5_000, 100),
  reconcileFrom: commaList(z.enum(IMPORT_VENDORS)).default([]),
  reconcileEveryMinutes: int(5, 1440, 15),
  vendorUrls: z.preprocess(json, z.partialRecord(z.enum(IMPORT_VENDORS), vendorUrl).default({})),
  credentialsParameter: z
    .string()
    .regex(/^\/[\w./-]+$/, 'an SSM parameter name starting with /')
    .optional(),
});

export interface DeployConfig extends Omit<z.output<typeof DeployContext>, 'policyFile' | 'mappingFile' | 'timeZone'> {
  readonly secretsParameter: string;
  readonly credentialsParameter: string;
  readonly policy: Policy;
  /** The policy as the functions receive it (compact JSON); undefined when it is the built-in one. */
  readonly policyText: string | undefined;
  readonly mappingText: string | undefined;
}

/** Reads and checks the context; `lookup` is `(key) => node.tryGetContext(key)`. */
export function deployConfig(lookup: (key: string) => unknown, baseDir = process.cwd()): DeployConfig {
  const raw = Object.fromEntries(Object.keys(DeployContext.shape).map((k) => [k, lookup(k)]));
  const r = DeployContext.safeParse(raw);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, { whole: '(CDK context)' }));
  const { policyFile, mappingFile, timeZone, ...rest } = r.data;
  /** A policy or mapping file as a plain value; the functions' own parsers check it below. */
  const read = (key: string, file: string): Record<string, unknown> => {
    try {
      return (decodeYaml(readFileSync(resolve(baseDir, file), 'utf8')) ?? {}) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`CDK context ${key}: cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  /** Checks the text with the parser the functions use, naming the context key on failure. */
  const check = <T>(key: string, text: string, parse: (text: string) => T): T => {
    try {
      return parse(text);
    } catch (err) {
      throw new ConfigError(`CDK context ${key}: ${(err as Error).message}`);
    }
  };
  // The functions get the files as compact JSON.
  const written = policyFile ? read('policyFile', policyFile) : timeZone ? { ...DEFAULT_POLICY } : undefined;
  const policyText =
    written &&
    JSON.stringify(timeZone ? { ...written, calendar: { ...(written.calendar as object), timeZone } } : written);
  const mappingText = mappingFile ? JSON.stringify(read('mappingFile', mappingFile)) : undefined;
  const policy = policyText ? check('policyFile', policyText, parsePolicy) : DEFAULT_POLICY;
  const mapping = mappingText ? check('mappingFile', mappingText, parseMapping) : parseMapping('{}');
  for (const vendor of rest.reconcileFrom) {
    const url = rest.vendorUrls[vendor];
    const gap = historyGap(vendor, { mapping, ...(url ? { url } : {}) });
    if (gap)
      throw new ConfigError(
        `CDK context reconcileFrom: ${gap}; set ${mapping[vendor] ? `vendorUrls.${vendor}` : 'mappingFile'}`,
      );
  }
  return {
    ...rest,
    secretsParameter: rest.secretsParameter ?? `/escalation-auditor/${rest.stage}/webhook-secrets`,
    credentialsParameter: rest.credentialsParameter ?? `/escalation-auditor/${rest.stage}/vendor-credentials`,
    policy,
    policyText,
    mappingText,
  };
}
