/**
 * The policy as configuration. Every number and name a rule reads is a field here, so an
 * organisation tunes its policy without code. `DEFAULT_POLICY` is CS-POL-001 as RULES.md reads it.
 */
import { DateTime, IANAZone } from 'luxon';
import * as z from 'zod';
import { CHANNELS, Role, Severity, TIERS } from '../events/schema';

const minutes = z.number().nonnegative().finite();
const positiveMinutes = z.number().positive().finite();
const roles = z.array(Role);
const severities = z.array(Severity);

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** One opening interval of a weekday, local wall-clock time: `["09:00", "17:00"]`. */
const Interval = z
  .tuple([
    z.string().regex(HHMM, 'expected HH:MM from 00:00 to 24:00'),
    z.string().regex(HHMM, 'expected HH:MM from 00:00 to 24:00'),
  ])
  .refine(([from, to]) => toMinutes(from) < toMinutes(to), 'an interval must end after it starts');

const Day = z
  .array(Interval)
  .refine(
    (ivs) => ivs.every((iv, i) => i === 0 || toMinutes(ivs[i - 1]?.[1] ?? '00:00') <= toMinutes(iv[0])),
    'intervals must be in order and must not overlap',
  );

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const nineToFive: [string, string][] = [['09:00', '17:00']];

export const CalendarConfig = z
  .strictObject({
    timeZone: z
      .string()
      .refine((zone) => IANAZone.isValidZone(zone), 'not a known IANA time zone (e.g. "Europe/Berlin")')
      .default('UTC'),
    weeklyHours: z
      .strictObject({
        mon: Day.default(nineToFive),
        tue: Day.default(nineToFive),
        wed: Day.default(nineToFive),
        thu: Day.default(nineToFive),
        fri: Day.default(nineToFive),
        sat: Day.default([]),
        sun: Day.default([]),
      })
      .prefault({}),
    holidays: z
      .array(
        z.string().refine((d) => DateTime.fromISO(d).isValid && /^\d{4}-\d{2}-\d{2}$/.test(d), 'expected YYYY-MM-DD'),
      )
      .default([]),
    workingDayHours: z.number().positive().max(24).default(8),
  })
  .refine((c) => WEEKDAYS.some((d) => c.weeklyHours[d].length > 0), 'the calendar has no working hours on any weekday');

const rule = <S extends z.ZodRawShape>(shape: S) =>
  // every field of a rule has a default, so an absent rule is its defaults
  z.strictObject({ enabled: z.boolean().default(true), ...shape }).prefault({} as never);

const ruleSettings = {
  'incident-form': rule({ dueMinutes: minutes.default(5) }),
  'l2-paged': rule({
    dueMinutes: minutes.default(5),
    channels: z.array(z.enum(CHANNELS)).min(1).default(['page', 'phone']),
  }),
  'l3-engaged': rule({
    dueMinutes: minutes.default(15),
    channels: z.array(z.enum(CHANNELS)).min(1).default(['incident_system']),
  }),
  'l3-ownership': rule({ dueMinutes: minutes.default(30) }),
  'client-update': rule({
    everyMinutes: positiveMinutes.default(120),
    roles: roles.min(1).default(['CSM', 'HeadOfSupport']),
    requireStatus: z.boolean().default(true),
    requireEtr: z.boolean().default(true),
  }),
  'troubleshooting-documented': rule({ dueMinutes: minutes.default(0) }),
  'escalate-l2-tag': rule({ dueMinutes: minutes.default(5), tag: z.string().min(1).default('Escalate-L2') }),
  'l2-resolution': rule({ workingDays: z.number().positive().finite().default(2) }),
  'l2-communicator': rule({
    severities: severities.default(['P0', 'P1', 'P2', 'P3']),
    allowedRoles: roles.min(1).default(['L2', 'CSM', 'HeadOfSupport']),
  }),
};

export const RulesConfig = z.strictObject(ruleSettings).prefault({});
const RuleName = z.enum(Object.keys(ruleSettings) as [keyof typeof ruleSettings, ...(keyof typeof ruleSettings)[]]);

/**
 * A policy file. What it leaves out keeps CS-POL-001's value, at any depth (every field has the
 * default of RULES.md; a list given replaces the default list); a key the schema does not know is
 * refused and named, so a typo never silently keeps the default.
 */
export const PolicyConfig = z.strictObject({
  id: z.string().min(1).default('CS-POL-001'),
  version: z.string().min(1).default('2025-11-01'),
  title: z.string().default('Ticket Escalation Policy and Triage Procedure'),
  /** Severities that make a ticket critical (the P0/P1 procedure and the update cadence). */
  criticalSeverities: severities.min(1).default(['P0', 'P1']),
  /** Severities whose first escalation to L2 starts the P2/P3 procedure. */
  escalationSeverities: severities.default(['P2', 'P3']),
  /** The tier whose first escalation starts the P2/P3 procedure. */
  escalationTier: z.enum(TIERS).default('L2'),
  /** Client tiers expected to raise critical tickets; others are reported as findings. */
  criticalClientTiers: z.array(z.enum(['enterprise', 'standard'])).default(['enterprise']),
  calendar: CalendarConfig.prefault({}),
  /**
   * Where a ticket is seen in the helpdesk, `{id}` standing for the ticket id (e.g.
   * `https://acme.zendesk.com/agent/tickets/{id}`): the report links every ticket it names.
   */
  ticketUrl: z
    .url({ protocol: /^https?$/ })
    .refine((u) => u.includes('{id}') || u.includes('%7Bid%7D'), 'must contain {id}, where the ticket id goes')
    .optional(),
  rules: RulesConfig,
  /** Pre-breach warnings to on-call, `leadMinutes` before a due time; off unless set. */
  warnings: z
    .strictObject({
      leadMinutes: positiveMinutes,
      /** The rules to warn about (default: all). */
      rules: z.array(RuleName).optional(),
    })
    .optional(),
});

/** A later version of a policy and the time it took effect. */
export interface PolicyVersion {
  readonly effective: number;
  readonly policy: PolicyConfig;
}

export type PolicyConfig = z.infer<typeof PolicyConfig>;

/**
 * The policy after defaults are applied: what the engine reads. Its own fields are the first
 * version; `versions`, when the file has them, the later ones in order of their effective time
 * (lib/policy/load.ts). An obligation is judged by the version in force when its clock started.
 */
export type Policy = PolicyConfig & { readonly versions?: readonly PolicyVersion[] };

/** Every version of a policy with the time it took effect, the first from the beginning of time. */
export function policyVersions(policy: Policy): readonly { readonly effective: number; readonly policy: Policy }[] {
  return [{ effective: Number.NEGATIVE_INFINITY, policy }, ...(policy.versions ?? [])];
}

/** The versions of a policy as outputs name them: `[{ version, effective }]`, the first effective from the start (null). */
export function versionList(policy: Policy): { readonly version: string; readonly effective: string | null }[] {
  return policyVersions(policy).map((v) => ({
    version: v.policy.version,
    effective: Number.isFinite(v.effective) ? new Date(v.effective).toISOString() : null,
  }));
}

/** "2025-11-01", or "2025-11-01; 2026-04-01 from 2026-04-01T00:00:00.000Z" for a policy with versions. */
export function versionLabel(policy: Policy): string {
  return versionList(policy)
    .map((v) => (v.effective ? `${v.version} from ${v.effective}` : v.version))
    .join('; ');
}

/** The version of `policy` named `version` (the policy itself when none is). */
export function policyVersion(policy: Policy, version: string | undefined): Policy {
  if (!version || !policy.versions || version === policy.version) return policy;
  return policy.versions.find((v) => v.policy.version === version)?.policy ?? policy;
}
export type CalendarSettings = Policy['calendar'];
export type RuleId = keyof Policy['rules'];

/** CS-POL-001 (2025-11-01) with every number of RULES.md. */
export const DEFAULT_POLICY: Policy = PolicyConfig.parse({});
