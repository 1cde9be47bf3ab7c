/**
 * `escalation-auditor import <vendor>`: a vendor's history for a time range, through the same
 * translation and mapping as its webhooks, into an export file (`--out`) or the embedded store
 * (`--data`). Resumable: the cursor of every page written is saved in a state file, and a run with
 * the same vendor and range continues from it.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  historyGap,
  historyOf,
  IMPORT_VENDORS,
  type ImportVendor,
  missingCredentials,
  VENDORS,
  type VendorCredentials,
} from '../lib/adapters/vendors';
import { VendorError } from '../lib/adapters/vendors/fetch';
import { type ImportSink, type ImportSummary, importHistory, storeSink } from '../lib/app/import';
import type { CanonicalEvent } from '../lib/events/schema';
import { counted } from '../lib/text/plural';
import { decodeYaml } from '../lib/yaml';
import { parseAsOf } from './audit';
import { loadMappingFile } from './config';
import { openLocalStore } from './local';
import { UsageError } from './options';
import { count, Progress } from './progress';

export { IMPORT_VENDORS, type ImportVendor };

export interface ImportCommandOptions {
  since: string;
  until?: string;
  mapping?: string;
  out?: string;
  data?: string;
  url?: string;
  credentials?: string;
  state?: string;
  format: 'text' | 'json';
  progress?: boolean;
}

/** What a resumable import remembers between runs. */
interface State {
  readonly vendor: ImportVendor;
  readonly since: string;
  readonly until: string;
  readonly cursor?: string;
  readonly done?: boolean;
}

/** Where each vendor's credentials are read from when no file is given. */
const ENV: Readonly<Record<ImportVendor, Readonly<Record<string, string>>>> = {
  jira: { email: 'JIRA_EMAIL', token: 'JIRA_TOKEN' },
  pagerduty: { token: 'PAGERDUTY_TOKEN' },
  zendesk: { email: 'ZENDESK_EMAIL', token: 'ZENDESK_TOKEN' },
};

/** The vendor's credentials: a file (JSON or YAML) or the environment, never the command line. */
export async function credentials(
  vendor: ImportVendor,
  file: string | undefined,
  option = '--credentials',
): Promise<VendorCredentials> {
  const v = VENDORS[vendor];
  const env = ENV[vendor];
  let given: Record<string, unknown>;
  if (file) {
    try {
      given = (decodeYaml(await readFile(file, 'utf8')) as Record<string, unknown> | null) ?? {};
    } catch (err) {
      throw new UsageError(
        `cannot read the credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  } else given = Object.fromEntries(Object.entries(env).map(([k, name]) => [k, process.env[name]]));
  const fields: readonly string[] = v.fields;
  if (missingCredentials(vendor, given).length > 0)
    throw new UsageError(
      file
        ? `the credentials file ${file} needs ${v.fields.map((f) => `"${f}"`).join(' and ')} (${v.what})`
        : `no ${v.name} credentials: set ${fields.map((f) => env[f]).join(' and ')} (${v.what}) or pass ${option} FILE`,
    );
  return given as unknown as VendorCredentials;
}

/** An export file as a sink: canonical JSON Lines, appended page by page. */
async function fileSink(path: string, append: boolean): Promise<ImportSink & { close(): Promise<void> }> {
  const out = createWriteStream(path, { flags: append ? 'a' : 'w' });
  await once(out, 'open');
  return {
    async write(events: readonly CanonicalEvent[]) {
      const text = `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
      if (!out.write(text)) await once(out, 'drain');
    },
    close: () =>
      new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve()))),
  };
}

export async function importCommand(vendor: ImportVendor, opts: ImportCommandOptions): Promise<number> {
  if (!opts.out === !opts.data)
    throw new UsageError('pass one of --out FILE (an export) or --data DIR (the embedded store)');
  const since = parseAsOf(opts.since, '--since');
  const until = opts.until ? parseAsOf(opts.until, '--until') : Date.now();
  if (since >= until) throw new UsageError('--since must be before --until');
  const mapping = await loadMappingFile(opts.mapping);
  const gap = historyGap(vendor, { mapping, ...(opts.url ? { url: opts.url } : {}) });
  if (gap) throw new UsageError(`${gap}: pass ${mapping[vendor] ? '--url URL' : '--mapping FILE'}`);
  const secret = await credentials(vendor, opts.credentials);
  const statePath =
    opts.state ?? (opts.out ? `${opts.out}.import-state.json` : join(opts.data as string, `import-${vendor}.json`));
  const range = { vendor, since: new Date(since).toISOString(), until: new Date(until).toISOString() };
  let state: State | undefined;
  if (existsSync(statePath)) {
    state = JSON.parse(await readFile(statePath, 'utf8')) as State;
    if (state.vendor !== range.vendor || state.since !== range.since || state.until !== range.until)
      throw new UsageError(
        `${statePath} is the state of another import (${state.vendor} ${state.since} to ${state.until}): finish that one, or remove the file, or pass --state`,
      );
    if (state.done) {
      process.stderr.write(`this import is already done (${statePath}); remove that file to import the range again\n`);
      return 0;
    }
  }
  const saveState = async (s: State) => {
    // written whole, then renamed: an interrupted write never leaves half a state
    await writeFile(`${statePath}.tmp`, `${JSON.stringify(s)}\n`);
    await rename(`${statePath}.tmp`, statePath);
  };
  const progress = new Progress(opts.progress !== false);
  let waiting = '';
  const fetch = {
    onWait: (reason: string, ms: number) => {
      waiting = ` · waiting ${(ms / 1000).toFixed(1)} s (${reason})`;
    },
  };
  const history = historyOf(vendor, {
    ...(opts.url ? { url: opts.url } : {}),
    credentials: secret,
    since,
    until,
    mapping,
    fetch,
  });
  const local = opts.data ? await openLocalStore(opts.data, 'import') : undefined;
  const file = opts.out ? await fileSink(opts.out, state?.cursor !== undefined) : undefined;
  const store = local?.store;
  const sink =
    file ??
    (store
      ? storeSink(store, { via: `import:${vendor}`, changed: (ids) => store.flagChanged(ids, Date.now()) })
      : undefined);
  if (!sink) throw new UsageError('pass one of --out FILE or --data DIR');
  const started = performance.now();
  let summary: ImportSummary;
  try {
    summary = await importHistory(history, mapping, sink, {
      ...(state?.cursor !== undefined ? { cursor: state.cursor } : {}),
      saveCursor: (cursor) => saveState({ ...range, cursor }),
      onPage: (s, position) => {
        progress.update(() => `importing ${vendor} · ${position} · ${count(s.events)} events${waiting}`);
        waiting = '';
      },
    });
    await saveState({ ...range, done: true });
  } catch (err) {
    if (!(err instanceof VendorError)) throw err;
    progress.done();
    process.stderr.write(
      `escalation-auditor: the import stopped: ${err.message}\nWhat was read so far is written; run the same command again to resume (state: ${statePath}).\n`,
    );
    return 1;
  } finally {
    progress.done();
    await file?.close();
    await local?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const where = opts.out ?? `the store in ${opts.data}`;
  if (opts.format === 'json')
    process.stdout.write(`${JSON.stringify({ ...range, ...summary, seconds, into: where }, null, 2)}\n`);
  else {
    process.stdout.write(
      `imported ${counted(summary.events, 'event')} from ${counted(summary.records, `${vendor} record`)} (${counted(summary.pages, 'page')}) into ${where} in ${seconds.toFixed(1)} s; ` +
        `${summary.ignored} read by no rule, ${counted(summary.unmapped, 'record')} the mapping could not read\n`,
    );
    for (const reason of summary.unmappedReasons) process.stdout.write(`  unmapped: ${reason}\n`);
  }
  return 0;
}
