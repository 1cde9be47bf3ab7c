/** The webhook sources, in a module of its own so that the command line's parser can name them cheaply. */
export const SOURCE_NAMES = ['canonical', 'zendesk', 'jira', 'pagerduty'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];
/** A declarative source of the mapping file (`custom.<name>`), posted to `/webhooks/custom/<name>`. */
export type CustomSourceId = `custom:${string}`;
/** A built-in source or a custom one: what a request was received from. */
export type SourceId = SourceName | CustomSourceId;
export const isCustomSource = (id: string): id is CustomSourceId => id.startsWith('custom:');
