/**
 * The repair Lambda, on an EventBridge Scheduler rate (RECONCILE_EVERY_MINUTES): each vendor of
 * RECONCILE_FROM pulled since its last pull (lib/app/repair.ts, as `serve --reconcile-every`
 * does); what no webhook delivered is stored, flagged and queued for the checker, and counted
 * (`RecoveredByReconciliation`; per vendor in the log). The credentials are read from the SSM parameter
 * on every run, so a rotated token takes effect at the next one. A vendor that fails is logged
 * and counted (`ReconciliationFailures`), the others still run, and the invocation fails (its
 * failure destination and alarm say so); its cursor stays, so the next run repairs the gap.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import {
  historyOf,
  IMPORT_VENDORS,
  type ImportVendor,
  missingCredentials,
  VENDORS,
  type VendorCredentials,
} from '../lib/adapters/vendors';
import { type RepairRun, repairMissed } from '../lib/app/repair';
import { count, logger, observed } from './observability';
import { changedNotifier, changesFromEnv, mappingFromEnv, storeFromEnv } from './wiring';

const store = storeFromEnv();
const mapping = mappingFromEnv();
const ssm = new SSMClient({});
const changes = changesFromEnv();

const vendors = (process.env.RECONCILE_FROM ?? '')
  .split(',')
  .map((v) => v.trim())
  .filter(Boolean) as ImportVendor[];
const urls = z.partialRecord(z.enum(IMPORT_VENDORS), z.string()).parse(JSON.parse(process.env.VENDOR_URLS ?? '{}'));
const everyMs = Number(process.env.RECONCILE_EVERY_MINUTES ?? 15) * 60_000;

async function credentials(): Promise<Partial<Record<ImportVendor, VendorCredentials>>> {
  const name = process.env.CREDENTIALS_PARAMETER;
  if (!name) throw new Error('the repair function needs CREDENTIALS_PARAMETER');
  const r = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  const all = JSON.parse(r.Parameter?.Value ?? '{}') as Record<string, Record<string, unknown> | undefined>;
  return Object.fromEntries(
    vendors.map((v) => {
      const given = all[v] ?? {};
      const missing = missingCredentials(v, given);
      if (missing.length > 0)
        throw new Error(
          `the SSM parameter ${name} needs ${v}: { ${VENDORS[v].fields.join(', ')} } (${VENDORS[v].what}); missing ${missing.join(', ')}`,
        );
      return [v, given as unknown as VendorCredentials];
    }),
  );
}

export const handler = observed<unknown, { runs: RepairRun[]; failed: string[] }>().handler(async () => {
  if (!changes) throw new Error('the repair function needs CHANGES_QUEUE_URL');
  const secrets = await credentials();
  const changed = changedNotifier(store, changes);
  const runs: RepairRun[] = [];
  const failed: string[] = [];
  let recovered = 0;
  for (const vendor of vendors) {
    try {
      const url = urls[vendor];
      const run = await repairMissed(
        vendor,
        {
          store,
          cursors: store,
          mapping,
          changed,
          now: Date.now,
          history: (since, until) =>
            historyOf(vendor, {
              ...(url ? { url } : {}),
              credentials: secrets[vendor] as VendorCredentials,
              since,
              until,
              mapping,
            }),
        },
        everyMs,
      );
      if (!run) continue;
      runs.push(run);
      recovered += run.recovered;
      logger.info('reconciled', { ...run });
    } catch (err) {
      failed.push(vendor);
      count('ReconciliationFailures');
      logger.error('reconciliation failed; the next run repairs the gap', { vendor, err });
    }
  }
  count('RecoveredByReconciliation', recovered);
  if (failed.length > 0) throw new Error(`reconciliation failed for ${failed.join(', ')} (see the log)`);
  return { runs, failed };
});
