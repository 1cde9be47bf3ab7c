/**
 * YAML (a superset of JSON) for the configuration files people write. Apart from lib/config.ts so
 * that the Lambdas, which receive their configuration as JSON, do not bundle a YAML parser.
 */
import { parse } from 'yaml';
import { ConfigError, type Decode } from './config';

export const decodeYaml: Decode = (text) => {
  try {
    return parse(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
};
