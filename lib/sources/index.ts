import { canonical } from './canonical';
import { jira } from './jira';
import { pagerduty } from './pagerduty';
import type { Source, SourceName } from './types';
import { zendesk } from './zendesk';

export const SOURCES: Readonly<Record<SourceName, Source>> = { canonical, zendesk, jira, pagerduty };
