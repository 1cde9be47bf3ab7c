/** The webhook sources, in a module of its own so that the command line's parser can name them cheaply. */
export const SOURCE_NAMES = ['canonical', 'zendesk', 'jira', 'pagerduty'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];
