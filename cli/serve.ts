/** `escalation-auditor serve`: the webhook and ticket API, timers and alerts on the embedded store. */
import { join } from 'node:path';
import { LocalAlerts } from '../lib/adapters/local/alerts';
import { startHttpServer } from '../lib/adapters/local/http-server';
import { LocalTimers } from '../lib/adapters/local/timers';
import { createApi } from '../lib/app/http';
import { check, type LiveDeps, reconcile } from '../lib/app/live';
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
  /** Seconds of webhook lag allowed for before a deadline is judged. */
  grace: number;
  alertsFile?: string;
  alertsWebhook?: string;
}

export async function serve(opts: ServeOptions): Promise<{ url: string; close(): Promise<void> }> {
  const policy = await loadPolicyFile(opts.policy);
  const mapping = await loadMappingFile(opts.mapping);
  const secrets: Secrets = opts.secrets
    ? await loadSecretsFile(opts.secrets)
    : Object.fromEntries(SOURCE_NAMES.map((s) => [s, [DEV_SECRET]]));
  const data = opts.memory ? undefined : (opts.data ?? '.data');
  const local = await openLocalStore(data);
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  const alertsFile = opts.alertsFile ?? (data ? join(data, 'alerts.jsonl') : undefined);
  const alerts = new LocalAlerts({
    ...(alertsFile ? { file: alertsFile } : {}),
    ...(opts.alertsWebhook ? { webhookUrl: opts.alertsWebhook } : {}),
  });

  const live: { deps?: LiveDeps } = {};
  const timers = new LocalTimers(
    async (t) => {
      if (live.deps) await check(t, live.deps);
    },
    Date.now,
    (t, err) => log(`check of ${t.ticketId} failed, retrying: ${(err as Error).message}`),
  );
  const stats = () => ({ store: { ...local.store.counters }, timers: timers.size });
  const changed = async (ticketIds: readonly string[]) => {
    if (live.deps) for (const id of ticketIds) await reconcile(id, live.deps);
  };
  const api = createApi({
    store: local.store,
    mapping,
    secrets,
    policy,
    maxBodyBytes: opts.maxBody,
    log,
    stats,
    changed,
  });
  const server = await startHttpServer(api, { port: opts.port, host: opts.host, maxBodyBytes: opts.maxBody });
  live.deps = { store: local.store, timers, alerts, policy, graceMs: opts.grace * 1000, baseUrl: server.url };
  timers.start(await local.store.timersDue(Number.POSITIVE_INFINITY));

  const where = data ? `in ${data}` : 'in memory (gone when it stops)';
  process.stdout.write(
    [
      `escalation-auditor listening on ${server.url}`,
      `  store: embedded DynamoDB (dynalite) ${where}; ${timers.size} timers armed`,
      `  policy: ${policy.id} ${policy.version}; mapping: ${opts.mapping ?? 'none (vendor payloads are reported as unmapped)'}`,
      opts.secrets
        ? `  secrets: ${opts.secrets}`
        : `  secrets: the development secret "${DEV_SECRET}" for every source (pass --secrets FILE for real ones)`,
      `  alerts: this console${alertsFile ? `, ${alertsFile}` : ''}${opts.alertsWebhook ? `, ${opts.alertsWebhook}` : ''}; deadlines judged ${opts.grace} s after they pass`,
      `  POST ${server.url}/webhooks/{${SOURCE_NAMES.join('|')}}   GET ${server.url}/tickets/{id}   GET ${server.url}/healthz`,
      '',
    ].join('\n'),
  );
  return {
    url: server.url,
    close: async () => {
      timers.stop();
      await server.close();
      await local.close();
    },
  };
}
