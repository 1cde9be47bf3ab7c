/** `escalation-auditor serve`: the webhook and ticket API on the embedded store. */

import { startHttpServer } from '../lib/adapters/local/http-server';
import { createApi } from '../lib/app/http';
import { SOURCE_NAMES } from '../lib/sources/types';
import { loadMappingFile, loadPolicyFile, loadSecretsFile, type Secrets } from './config';
import { DEV_SECRET, openLocalStore } from './local';

export interface ServeOptions {
  port: number;
  host: string;
  data?: string;
  memory?: boolean;
  policy?: string;
  mapping?: string;
  secrets?: string;
  maxBody: number;
}

export async function serve(opts: ServeOptions): Promise<{ url: string; close(): Promise<void> }> {
  const policy = await loadPolicyFile(opts.policy);
  const mapping = await loadMappingFile(opts.mapping);
  const secrets: Secrets = opts.secrets
    ? await loadSecretsFile(opts.secrets)
    : Object.fromEntries(SOURCE_NAMES.map((s) => [s, [DEV_SECRET]]));
  const local = await openLocalStore(opts.memory ? undefined : (opts.data ?? '.data'));
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  const stats = () => ({ store: { ...local.store.counters } });
  const api = createApi({ store: local.store, mapping, secrets, policy, maxBodyBytes: opts.maxBody, log, stats });
  const server = await startHttpServer(api, { port: opts.port, host: opts.host, maxBodyBytes: opts.maxBody });
  const where = opts.memory ? 'in memory (gone when it stops)' : `in ${opts.data ?? '.data'}`;
  process.stdout.write(
    [
      `escalation-auditor listening on ${server.url}`,
      `  store: embedded DynamoDB (dynalite) ${where}`,
      `  policy: ${policy.id} ${policy.version}; mapping: ${opts.mapping ?? 'none (vendor payloads are reported as unmapped)'}`,
      opts.secrets
        ? `  secrets: ${opts.secrets}`
        : `  secrets: the development secret "${DEV_SECRET}" for every source (pass --secrets FILE for real ones)`,
      `  POST ${server.url}/webhooks/{${SOURCE_NAMES.join('|')}}   GET ${server.url}/tickets/{id}   GET ${server.url}/healthz`,
      '',
    ].join('\n'),
  );
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await local.close();
    },
  };
}
