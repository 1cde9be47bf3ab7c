/** Reading the configuration files the commands take: policy, mapping, secrets. */
import { readFile } from 'node:fs/promises';
import { parseWaivers, type WaiverRecord } from '../lib/engine/waivers';
import { parsePolicy } from '../lib/policy/load';
import { DEFAULT_POLICY, type Policy } from '../lib/policy/schema';
import { type Mapping, parseMapping } from '../lib/sources/mapping';
import { parseSecrets, type Secrets } from '../lib/sources/secrets';
import { decodeYaml } from '../lib/yaml';
import { UsageError } from './options';

export type { Secrets };

async function readConfig<T>(path: string, what: string, parse: (text: string) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    return parse(text);
  } catch (err) {
    throw new UsageError(`invalid ${what} file ${path}: ${(err as Error).message}`);
  }
}

export const loadPolicyFile = (path: string | undefined): Promise<Policy> =>
  path ? readConfig(path, 'policy', (text) => parsePolicy(text, decodeYaml)) : Promise.resolve(DEFAULT_POLICY);

export const loadMappingFile = (path: string | undefined): Promise<Mapping> =>
  path ? readConfig(path, 'mapping', (text) => parseMapping(text, decodeYaml)) : Promise.resolve({});

export const loadSecretsFile = (path: string): Promise<Secrets> =>
  readConfig(path, 'secrets', (text) => parseSecrets(text, decodeYaml));

/** A register of waivers and revocations (YAML or JSON list); undefined when no file is given. */
export const loadWaiversFile = (path: string | undefined): Promise<WaiverRecord[] | undefined> =>
  path ? readConfig(path, 'waivers', (text) => parseWaivers(decodeYaml(text))) : Promise.resolve(undefined);

/** A bearer token for the read routes: the file's one line, at least 16 characters. */
export const loadReadToken = (path: string): Promise<string> =>
  readConfig(path, 'read token', (text) => {
    const token = text.trim();
    if (token.length < 16 || /\s/.test(token))
      throw new Error('expected one token of at least 16 characters, no spaces');
    return token;
  });
