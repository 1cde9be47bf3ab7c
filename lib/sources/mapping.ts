/**
 * How to read vendors' payloads in our vocabulary. Helpdesks do not know our tiers, roles or
 * severities: this file says where each comes from. What it does not say is not guessed: such a
 * payload is archived and reported as unmapped. `examples/mapping.yaml` documents every field.
 */
import * as z from 'zod';
import { type Decode, parseConfig } from '../config';
import { CHANNELS, CLIENT_TIERS, Role, Severity } from '../events/schema';
import { CUSTOM_NAME, CustomSourceConfig } from './custom';

const ClientTier = z.enum(CLIENT_TIERS);
const Team = z.enum(['L1', 'L2', 'L3']);
const regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** Vendor value (matched case-insensitively) -> severity. */
const SeverityValues = z.record(z.string(), Severity);

const Markers = z
  .strictObject({
    /** Tags (Zendesk) or labels (Jira) whose addition means the Incident Report Form was filed. */
    incidentForm: z.array(z.string()).default(['incident-form']),
    /** Tags or labels whose addition means L1 documented the troubleshooting steps. */
    troubleshooting: z.array(z.string()).default(['troubleshooting-documented']),
  })
  .prefault({});

/** How a public agent comment carries the status and the ETR a client update needs. */
const UpdateText = z
  .strictObject({
    /** First capture group: the status line. */
    statusPattern: regex.default('^\\s*status\\s*:\\s*(.+)$'),
    /** First capture group: the ETR, an RFC 3339 timestamp. */
    etrPattern: regex.default('^\\s*etr\\s*:\\s*(\\S+)'),
  })
  .prefault({});

const Zendesk = z.strictObject({
  ticketIdPrefix: z.string().default('ZD-'),
  severity: z.strictObject({
    /** `priority`, or `custom_field:<id>` for a custom field. */
    field: z
      .string()
      .regex(/^(priority|custom_field:\d+)$/, 'expected "priority" or "custom_field:<id>"')
      .default('priority'),
    values: SeverityValues,
  }),
  /** Group id -> tier: assigning the ticket to an L2 or L3 group is an escalation through ticket assignment. */
  groups: z.record(z.string(), Team).default({}),
  /** Group id -> team or queue name, for the weekly report's per-team figures; optional. */
  queues: z.record(z.string(), z.string().min(1).max(256)).default({}),
  /** Agent (user) id -> role. */
  users: z.record(z.string(), Role).default({}),
  /** Organization id -> client tier. */
  organizations: z.record(z.string(), ClientTier).default({}),
  /** The tier of a ticket whose organization is not listed; without it such a ticket is unmapped. */
  defaultClientTier: ClientTier.optional(),
  resolvedStatuses: z.array(z.string()).default(['SOLVED', 'CLOSED']),
  markers: Markers,
  updates: UpdateText,
});

const Jira = z.strictObject({
  severity: z.strictObject({
    /** `priority`, or a custom field id such as `customfield_10050`. */
    field: z.string().default('priority'),
    values: SeverityValues,
  }),
  /** Custom field naming the team the issue is with, and team name -> tier. */
  teamField: z.string().optional(),
  teams: z.record(z.string(), Team).default({}),
  /** The field whose value names the team or queue in the weekly report (`project`, a custom field id); optional. */
  queueField: z.string().optional(),
  /** Account id -> role. */
  users: z.record(z.string(), Role).default({}),
  /** Custom field holding the JSM organization(s), and organization name -> client tier. */
  organizationField: z.string().optional(),
  organizations: z.record(z.string(), ClientTier).default({}),
  defaultClientTier: ClientTier.optional(),
  resolvedStatuses: z.array(z.string()).default(['Done', 'Resolved', 'Closed']),
  markers: Markers,
  updates: UpdateText,
});

const Paging = z.strictObject({ tier: z.enum(['L2', 'L3']), channel: z.enum(CHANNELS).default('page') });

const PagerDuty = z.strictObject({
  /** Escalation policy id -> the tier it pages and through which channel. */
  escalationPolicies: z.record(z.string(), Paging).default({}),
  /** Service id -> tier and channel, used when the escalation policy is not listed. */
  services: z.record(z.string(), Paging).default({}),
  /** PagerDuty user id -> role. */
  users: z.record(z.string(), Role).default({}),
  /** Where an incident names its helpdesk ticket: the first capture group is the canonical ticket id. */
  ticketLink: z
    .strictObject({
      field: z.enum(['title', 'incident_key', 'description']).default('title'),
      pattern: regex.default('\\b((?:ZD|[A-Z][A-Z0-9]+)-\\d+)\\b'),
    })
    .prefault({}),
  /** An acknowledgement by the paged tier counts as that tier taking ownership. */
  acknowledgementIsOwnership: z.boolean().default(true),
});

export const MappingConfig = z.strictObject({
  zendesk: Zendesk.optional(),
  jira: Jira.optional(),
  pagerduty: PagerDuty.optional(),
  /** Declarative sources, posted to `/webhooks/custom/<name>` (lib/sources/custom.ts). */
  custom: z
    .record(z.string().regex(CUSTOM_NAME, 'lower-case letters, digits and dashes, at most 40'), CustomSourceConfig)
    .optional(),
});

export type Mapping = z.infer<typeof MappingConfig>;
export type ZendeskMapping = z.infer<typeof Zendesk>;
export type JiraMapping = z.infer<typeof Jira>;
export type PagerDutyMapping = z.infer<typeof PagerDuty>;

export const parseMapping = (text: string, decode?: Decode): Mapping =>
  parseConfig(text, MappingConfig, 'mapping', {}, decode);

/** Looks a vendor value up in a severity table, ignoring case. */
export function severityOf(values: Record<string, Severity>, vendor: unknown): Severity | undefined {
  if (typeof vendor !== 'string' && typeof vendor !== 'number') return undefined;
  const key = String(vendor).toLowerCase();
  for (const [k, v] of Object.entries(values)) if (k.toLowerCase() === key) return v;
  return undefined;
}
