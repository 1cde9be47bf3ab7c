import { MappingConfig } from '../../lib/sources/mapping';

/** The mapping the source and HTTP tests use. */
export const MAPPING = MappingConfig.parse({
  zendesk: {
    severity: { values: { URGENT: 'P1', HIGH: 'P2', NORMAL: 'P3', LOW: 'P4' } },
    groups: { '100': 'L1', '200': 'L2', '300': 'L3' },
    users: { '9001': 'L1', '9002': 'L2', '9003': 'L3', '9004': 'CSM' },
    organizations: { '700': 'enterprise' },
  },
  jira: {
    severity: { values: { Highest: 'P0', High: 'P1', Medium: 'P2', Low: 'P3', Lowest: 'P4' } },
    teamField: 'customfield_10001',
    teams: { 'Support L1': 'L1', 'Support L2': 'L2', 'R&D': 'L3' },
    users: { '5a1b0e47748e770ed11f338c': 'CSM', 'l3-account': 'L3' },
    organizationField: 'customfield_10002',
    organizations: { Acme: 'enterprise' },
  },
  pagerduty: {
    escalationPolicies: { P1EUYO0: { tier: 'L2', channel: 'page' }, PL3: { tier: 'L3', channel: 'incident_system' } },
  },
});
