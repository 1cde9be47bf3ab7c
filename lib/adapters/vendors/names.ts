/** The vendors whose history can be imported, and what each one's API takes (cheap to load: the CLI's option lists read it). */

export const PAGERDUTY_API = 'https://api.pagerduty.com';

export const IMPORT_VENDORS = ['jira', 'pagerduty', 'zendesk'] as const;
export type ImportVendor = (typeof IMPORT_VENDORS)[number];

/** What each vendor's API takes. */
export const VENDORS = {
  jira: {
    name: 'Jira',
    fields: ['email', 'token'],
    what: 'an Atlassian account e-mail and an API token',
    example: 'https://acme.atlassian.net',
  },
  pagerduty: {
    name: 'PagerDuty',
    fields: ['token'],
    what: 'a REST API key, read-only is enough',
    example: PAGERDUTY_API,
  },
  zendesk: {
    name: 'Zendesk',
    fields: ['email', 'token'],
    what: 'an agent or admin e-mail and an API token',
    example: 'https://acme.zendesk.com',
  },
} as const satisfies Record<ImportVendor, { name: string; fields: readonly string[]; what: string; example: string }>;

/** The fields of a vendor's credentials that `given` lacks (or leaves empty). */
export function missingCredentials(vendor: ImportVendor, given: Readonly<Record<string, unknown>>): string[] {
  const fields: readonly string[] = VENDORS[vendor].fields;
  return fields.filter((f) => typeof given[f] !== 'string' || given[f] === '');
}
