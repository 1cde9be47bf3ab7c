/** `escalation-auditor serve`: the webhook and ticket API, timers and alerts on the embedded store. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BackingOff, LocalAlerts } from '../lib/adapters/local/alerts';
import { ExclusiveStore } from '../lib/adapters/local/exclusive-store';
import { startHttpServer } from '../lib/adapters/local/http-server';
import { ReportFolder } from '../lib/adapters/local/report-folder';
import { LocalTimers } from '../lib/adapters/local/timers';
import type { ImportVendor } from '../lib/adapters/vendors/names';
import { createApi } from '../lib/app/http';
import type { TranslatorFailure } from '../lib/app/ingest';
import { check, type LiveDeps } from '../lib/app/live';
import { TicketQueue } from '../lib/app/queue';
import { reconcileChanged, SWEEP_EVERY_MS, sweep } from '../lib/app/sweep';
import type { Unreadable } from '../lib/app/tickets';
import { deliverWeeklyReport } from '../lib/app/weekly';
import type { HistorySource } from '../lib/ports';
import { lastWeek, nextReportTime } from '../lib/report/aggregate';
import type { Mapping } from '../lib/sources/mapping';
import { DEV_SECRET, devSecrets } from '../lib/sources/secrets';
import { SOURCE_NAMES } from '../lib/sources/types';
import { loadMappingFile, loadPolicyFile, loadReadToken, loadSecretsFile, type Secrets } from './config';
import { openLocalStore } from './local';
import { UsageError } from './options';

/**
 * The reconcile backlog serve lets build up before it answers webhooks 503 with Retry-After:
 * beyond it, timers would be armed and breaches judged late. Each waiting ticket is flagged in
 * the store, so what waits survives a stop.
 */
const BACKLOG_LIMIT = 10_000;

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
  /** Folder for the weekly reports (default: reports/ in the data folder). */
  reports?: string;
  /** A file holding the bearer token the read routes require (required off loopback). */
  readToken?: string;
  /** Pull the vendors' changes this often (ms) and store what no webhook delivered. */
  reconcileEvery?: number;
  /** Whose changes (default: PagerDuty). */
  reconcileFrom?: readonly ImportVendor[];
  pagerdutyUrl?: string;
  pagerdutyCredentials?: string;
  zendeskUrl?: string;
  zendeskCredentials?: string;
  jiraUrl?: string;
  jiraCredentials?: string;
}

interface RepairTally {
  runs: number;
  failures: number;
  recovered: number;
  pulledUntil?: string;
}

/** Each vendor to reconcile with, its address and credentials checked and bound. */
async function repairSources(
  opts: ServeOptions,
  mapping: Mapping,
): Promise<{ vendor: ImportVendor; history: (since: number, until: number) => HistorySource }[]> {
  const [{ credentials }, { historyGap, historyOf }] = await Promise.all([
    import('./import'),
    import('../lib/adapters/vendors'),
  ]);
  const from = opts.reconcileFrom ?? ['pagerduty'];
  return Promise.all(
    from.map(async (vendor) => {
      const url = opts[`${vendor}Url` as const];
      const gap = historyGap(vendor, { mapping, ...(url ? { url } : {}) });
      if (gap)
        throw new UsageError(`--reconcile-every: ${gap}; pass ${mapping[vendor] ? `--${vendor}-url` : '--mapping'}`);
      const secret = await credentials(vendor, opts[`${vendor}Credentials` as const], `--${vendor}-credentials`);
      return {
        vendor,
        history: (since: number, until: number) =>
          historyOf(vendor, { ...(url ? { url } : {}), credentials: secret, since, until, mapping }),
      };
    }),
  );
}

export interface Serving {
  readonly url: string;
  /** Settles with the reason if the embedded store stops under it (its thread crashed). */
  readonly failed: Promise<Error>;
  close(): Promise<void>;
}

/** Loopback addresses and names: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

export async function serve(opts: ServeOptions): Promise<Serving> {
  const policy = await loadPolicyFile(opts.policy);
  const mapping = await loadMappingFile(opts.mapping);
  // read before anything opens: a missing token is a usage error, not a half-started service;
  // the importer is loaded only when asked for: serve's start-up does not pay for it
  const repairFrom = opts.reconcileEvery ? await repairSources(opts, mapping) : [];
  if (!opts.secrets && !isLoopback(opts.host)) {
    // the development secret is published: anyone who can reach the port could post events
    throw new UsageError(
      `--host ${opts.host} can be reached from other machines, and every source would be signed with the published development secret; pass --secrets FILE with real secrets, or listen on 127.0.0.1`,
    );
  }
  if (!opts.readToken && !isLoopback(opts.host)) {
    // the ticket view and the unmapped listing show what tickets say: not to anyone who can connect
    throw new UsageError(
      `--host ${opts.host} can be reached from other machines, and GET /tickets and /unmapped would answer anyone; pass --read-token FILE (one token of 16+ characters), or listen on 127.0.0.1`,
    );
  }
  const secrets: Secrets = opts.secrets
    ? await loadSecretsFile(opts.secrets)
    : devSecrets(Object.keys(mapping.custom ?? {}));
  const readToken = opts.readToken ? await loadReadToken(opts.readToken) : undefined;
  const data = opts.memory ? undefined : (opts.data ?? '.data');
  const local = await openLocalStore(data, 'serve');
  // serve is the embedded table's only writer: tickets are kept in memory, writes group-committed
  const store = new ExclusiveStore(local.store);
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
  const alertsFile = opts.alertsFile ?? (data ? join(data, 'alerts.jsonl') : undefined);
  const alerts = new LocalAlerts({
    ...(alertsFile ? { file: alertsFile } : {}),
    ...(opts.alertsWebhook ? { webhookUrl: opts.alertsWebhook } : {}),
  });

  // stored events that no longer parse: left out of the engine's view, logged once each, counted
  const unreadable = new Set<string>();
  const onUnreadable = (u: Unreadable) => {
    const key = `${u.ticketId}\u0000${u.id}`;
    if (unreadable.has(key)) return;
    unreadable.add(key);
    log(`stored event ${u.id} of ticket ${u.ticketId} no longer parses and is left out: ${u.error}`);
  };
  let translatorFailures = 0;
  const translatorFailed = (f: TranslatorFailure) => {
    translatorFailures++;
    log(`the ${f.source} translator failed on request ${f.requestId} (reported unmapped): ${f.error}`);
  };
  const live: { deps?: LiveDeps } = {};
  const timers = new LocalTimers(
    async (t) => {
      if (live.deps) await check(t, live.deps);
    },
    Date.now,
    (t, err) => err instanceof BackingOff || log(`check of ${t.ticketId} failed, retrying: ${(err as Error).message}`),
  );
  // Which tickets changed and wait to be reconciled is kept in the store (flagged before the
  // webhook is answered, cleared after the reconcile), so a restart, after a crash or a stop,
  // reconciles exactly those; the store also knows each one's latest flag (`flaggedAt`).
  let lastFlag = 0;
  // reconciling is off the request path: a webhook is answered once its events are stored. Eight
  // tickets at a time keep the embedded engine's thread busy with batched writes; past
  // BACKLOG_LIMIT tickets waiting, webhooks are told to come back (back-pressure, see busy below)
  const queue = new TicketQueue(
    async (id) => {
      if (!live.deps) return;
      await reconcileChanged(id, store.flaggedAt(id), live.deps);
    },
    8,
    // an alert webhook waiting out its backoff is no news: its failures were logged as they came
    (id, err) => err instanceof BackingOff || log(`reconcile of ${id} failed, retrying: ${(err as Error).message}`),
  );
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // per vendor reconciled with (--reconcile-every): pulls, failures, changes recovered, pulled until
  const repair: Record<string, RepairTally> = Object.fromEntries(
    repairFrom.map(({ vendor }) => [vendor, { runs: 0, failures: 0, recovered: 0 }]),
  );
  const stats = () => ({
    store: { ...local.store.counters, ticketsInMemory: store.cached },
    timers: timers.size,
    alertWebhook: alerts.webhookStats,
    unreadableEvents: unreadable.size,
    translatorFailures,
    reconciling: queue.size,
    ...(opts.reconcileEvery
      ? {
          reconciliation: {
            everySeconds: opts.reconcileEvery / 1000,
            recoveredByReconciliation: Object.values(repair).reduce((n, v) => n + v.recovered, 0),
            ...repair,
          },
        }
      : {}),
    eventLoopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    // the whole process: the HTTP server, the embedded engine's thread and the garbage collector
    cpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage()),
  });
  const changed = async (ticketIds: readonly string[]) => {
    // strictly increasing, so that a flag set during a reconcile is never taken for the one before
    const at = Math.max(Date.now(), lastFlag + 1);
    lastFlag = at;
    await store.flagChanged(ticketIds, at);
    queue.add(ticketIds);
  };
  const api = createApi({
    store,
    mapping,
    secrets,
    policy,
    maxBodyBytes: opts.maxBody,
    log,
    stats,
    busy: () =>
      queue.size >= BACKLOG_LIMIT
        ? { retryAfterSeconds: 5, reason: `${queue.size} tickets wait to be reconciled` }
        : undefined,
    changed,
    unreadable: onUnreadable,
    translatorFailed,
    ...(readToken ? { readToken } : {}),
  });
  const server = await startHttpServer(api, { port: opts.port, host: opts.host, maxBodyBytes: opts.maxBody }).catch(
    async (err: NodeJS.ErrnoException) => {
      await local.close();
      if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
      throw new UsageError(
        `cannot listen on ${opts.host}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}; stop what holds it, or pass --port`,
      );
    },
  );
  live.deps = {
    store,
    timers,
    alerts,
    policy,
    graceMs: opts.grace * 1000,
    baseUrl: server.url,
    unreadable: onUnreadable,
    // the register is kept in memory by the store: this process is its only writer
    waivers: () => store.waivers(),
  };
  timers.start(await store.timersDue(Number.POSITIVE_INFINITY));
  // the tickets changed and not reconciled before the last stop (or crash), however long ago
  const unreconciled = await store.changedTickets();
  for (const { at } of unreconciled) lastFlag = Math.max(lastFlag, at);
  queue.add(unreconciled.map((c) => c.ticketId));

  // the sweep behind the timers, as in AWS: a timer that should have fired and a flag left by a
  // reconcile that failed are repaired within one period (lib/app/sweep.ts)
  const sweeping = setInterval(() => {
    if (!live.deps) return;
    void sweep(
      live.deps,
      (id, err) => err instanceof BackingOff || log(`sweep: reconcile of ${id} failed: ${(err as Error).message}`),
    ).catch((err) => log(`sweep failed: ${(err as Error).message}`));
  }, SWEEP_EVERY_MS);
  sweeping.unref();

  // missed webhooks repaired: each vendor's changes since its last pull, through the webhook's own
  // translation; what no webhook delivered is stored, counted and reconciled (lib/app/repair.ts)
  let repairing: NodeJS.Timeout | undefined;
  if (opts.reconcileEvery && repairFrom.length > 0) {
    const every = opts.reconcileEvery;
    const { repairMissed } = await import('../lib/app/repair');
    const pull = async () => {
      for (const { vendor, history } of repairFrom) {
        const tally = repair[vendor] as RepairTally;
        tally.runs++;
        try {
          const run = await repairMissed(
            vendor,
            { store, cursors: local.store, mapping, history, changed, now: Date.now },
            every,
          );
          if (!run) continue;
          tally.recovered += run.recovered;
          tally.pulledUntil = new Date(run.until).toISOString();
          if (run.recovered > 0)
            log(`reconciliation with ${vendor}: ${run.recovered} changes no webhook delivered, ${run.tickets} tickets`);
        } catch (err) {
          tally.failures++;
          log(`reconciliation with ${vendor} failed (tried again in ${every / 1000} s): ${(err as Error).message}`);
        }
      }
    };
    const next = () => {
      repairing = setTimeout(() => void pull().finally(next), every);
      repairing.unref();
    };
    // the first pull one period after the start, then one period after each pull ends
    next();
  }

  // the weekly report, Monday 00:05 in the policy's time zone, into the reports folder
  const reports = new ReportFolder(opts.reports ?? join(data ?? '.', 'reports'));
  const zone = policy.calendar.timeZone;
  let weekly: NodeJS.Timeout | undefined;
  const scheduleReport = () => {
    weekly = setTimeout(async () => {
      try {
        const delivered = await deliverWeeklyReport(store, policy, lastWeek(Date.now(), zone), reports);
        process.stdout.write(`REPORT ${delivered.summary}\n`);
      } catch (err) {
        log(`weekly report failed: ${(err as Error).message}`);
      }
      scheduleReport();
    }, nextReportTime(Date.now(), zone) - Date.now());
    weekly.unref();
  };
  scheduleReport();

  const where = data ? `in ${data}` : 'in memory (gone when it stops)';
  process.stdout.write(
    [
      `escalation-auditor listening on ${server.url}`,
      `  store: embedded DynamoDB (dynalite) ${where}; ${timers.size} timers armed${unreconciled.length ? `; ${unreconciled.length} changed tickets left to reconcile` : ''}`,
      `  policy: ${policy.id} ${policy.version}; mapping: ${opts.mapping ?? 'none (vendor payloads are reported as unmapped)'}`,
      opts.secrets
        ? `  secrets: ${opts.secrets}`
        : `  secrets: the development secret "${DEV_SECRET}" for every source (pass --secrets FILE for real ones)`,
      `  weekly report: Mondays 00:05 ${zone}, into ${opts.reports ?? join(data ?? '.', 'reports')}`,
      `  alerts: this console${alertsFile ? `, ${alertsFile}` : ''}${opts.alertsWebhook ? `, ${opts.alertsWebhook}` : ''}; deadlines judged ${opts.grace} s after they pass`,
      ...(opts.reconcileEvery
        ? [
            `  reconciliation: ${repairFrom.map((r) => r.vendor).join(', ')} pulled every ${opts.reconcileEvery / 1000} s; what no webhook delivered is stored`,
          ]
        : []),
      `  POST ${server.url}/webhooks/{${SOURCE_NAMES.join('|')}} and /webhooks/custom/{name}   GET ${server.url}/tickets/{id}   GET ${server.url}/healthz`,
      '',
    ].join('\n'),
  );
  return {
    url: server.url,
    failed: local.engine.failed ?? new Promise<Error>(() => {}),
    close: async () => {
      clearTimeout(weekly);
      clearInterval(sweeping);
      clearTimeout(repairing);
      await server.close();
      // what still waits stays flagged in the store: the next start reconciles it
      await queue.stop();
      timers.stop();
      await local.close();
    },
  };
}
