import { type Decode, parseConfig } from '../config';
import { type Policy, PolicyConfig } from './schema';

/** Reads a policy from JSON text (or YAML with lib/yaml's decoder); defaults fill what it omits. */
export const parsePolicy = (text: string, decode?: Decode): Policy =>
  parseConfig(text, PolicyConfig, 'policy', undefined, decode);
