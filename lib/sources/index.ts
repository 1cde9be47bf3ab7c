import { canonical } from './canonical';
import { type CustomSourceConfig, customSource } from './custom';
import { jira } from './jira';
import type { Mapping } from './mapping';
import { pagerduty } from './pagerduty';
import { isCustomSource, type Source, type SourceId, type SourceName, type Translation } from './types';
import { zendesk } from './zendesk';

export const SOURCES: Readonly<Record<SourceName, Source<Translation>>> = { canonical, zendesk, jira, pagerduty };

const customs = new WeakMap<CustomSourceConfig, Source>();

/** The source of `id`: a built-in one, or the mapping's `custom.<name>`; undefined when there is none. */
export function sourceOf(id: SourceId, mapping: Mapping): Source | undefined {
  if (!isCustomSource(id)) return SOURCES[id];
  const name = id.slice('custom:'.length);
  const config = Object.hasOwn(mapping.custom ?? {}, name) ? mapping.custom?.[name] : undefined;
  if (!config) return undefined;
  let source = customs.get(config);
  if (!source) {
    source = customSource(name, config);
    customs.set(config, source);
  }
  return source;
}
