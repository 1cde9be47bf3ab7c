import { parseConfig } from '../config';
import { type Policy, PolicyConfig } from './schema';

/** Reads a policy from JSON or YAML text; defaults fill what it omits. */
export const parsePolicy = (text: string): Policy => parseConfig(text, PolicyConfig, 'policy');
