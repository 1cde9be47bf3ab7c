/**
 * The vendors whose history can be imported, and the one place that builds a vendor's
 * HistorySource from its address, credentials and range: the import command, `serve`'s periodic
 * repair and the AWS import Lambda all call `historyOf`.
 */
import type { HistorySource } from '../../ports';
import type { Mapping } from '../../sources/mapping';
import type { FetchOptions } from './fetch';
import { jiraHistory } from './jira';
import { type ImportVendor, PAGERDUTY_API, VENDORS } from './names';
import { pagerDutyHistory } from './pagerduty';
import { zendeskHistory } from './zendesk';

export { IMPORT_VENDORS, type ImportVendor, missingCredentials, PAGERDUTY_API, VENDORS } from './names';

export interface VendorCredentials {
  readonly token: string;
  readonly email?: string;
}

export interface HistoryRequest {
  /** The vendor's address; PagerDuty's API by default, the others have none. */
  readonly url?: string;
  readonly credentials: VendorCredentials;
  readonly since: number;
  readonly until: number;
  readonly mapping: Mapping;
  readonly fetch?: FetchOptions;
}

/** Says what is missing to read a vendor's history, or undefined when nothing is. */
export function historyGap(vendor: ImportVendor, r: { url?: string; mapping: Mapping }): string | undefined {
  if (!r.mapping[vendor])
    return `the mapping has no ${vendor} section: it says how ${VENDORS[vendor].name}'s records read in our vocabulary (see examples/mapping.yaml)`;
  if (vendor !== 'pagerduty' && !r.url)
    return `${VENDORS[vendor].name} needs its address, e.g. ${VENDORS[vendor].example}`;
  return undefined;
}

export function historyOf(vendor: ImportVendor, r: HistoryRequest): HistorySource {
  const gap = historyGap(vendor, r);
  if (gap) throw new Error(gap);
  const { since, until, fetch } = r;
  const { token, email = '' } = r.credentials;
  if (vendor === 'pagerduty') return pagerDutyHistory({ url: r.url ?? PAGERDUTY_API, token, since, until, fetch });
  const url = r.url as string;
  if (vendor === 'zendesk') return zendeskHistory({ url, email, token, since, until, mapping: r.mapping, fetch });
  const mapping = r.mapping.jira as NonNullable<Mapping['jira']>;
  return jiraHistory({ url, email, token, since, until, mapping, fetch });
}
