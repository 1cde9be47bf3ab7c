/**
 * `escalation-auditor waive`: the register of waivers in the embedded store. Adds one waiver
 * (a ticket or a client, a rule, a due time or range, reason, approver, expiry), revokes one
 * (`--revoke ID`: a record of its own), adds a register file's records (`--file`), or lists the
 * register (`--list`). Nothing is ever changed or removed.
 */
import { randomBytes } from 'node:crypto';
import { addWaivers, WaiverError } from '../lib/app/waivers';
import { isRevocation } from '../lib/engine/waivers';
import { counted } from '../lib/text/plural';
import { parseAsOf } from './audit';
import { loadPolicyFile, loadWaiversFile } from './config';
import { openLocalStore } from './local';
import { UsageError } from './options';

export interface WaiveOptions {
  data: string;
  id?: string;
  ticket?: string;
  client?: string;
  rule?: string;
  due?: string;
  from?: string;
  to?: string;
  reason?: string;
  approver?: string;
  granted?: string;
  expires?: string;
  revoke?: string;
  file?: string;
  list?: boolean;
  policy?: string;
  format: 'text' | 'json';
}

const iso = (ms: number) => new Date(ms).toISOString();
const newId = (prefix: string, now: number) =>
  `${prefix}-${iso(now).slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;

/** The record the options describe (checked again, with every field named, by the register's parser). */
function recordOf(opts: WaiveOptions, now: number): Record<string, unknown> {
  const need = (value: string | undefined, option: string) => {
    if (!value) throw new UsageError(`${option} is required`);
    return value;
  };
  const time = (value: string | undefined, option: string) =>
    value === undefined ? undefined : iso(parseAsOf(value, option));
  const base = {
    reason: need(opts.reason, '--reason'),
    approver: need(opts.approver, '--approver'),
    grantedAt: time(opts.granted, '--granted') ?? iso(now),
  };
  if (opts.revoke) return { id: opts.id ?? newId('R', now), revokes: opts.revoke, ...base };
  if (!opts.ticket === !opts.client) throw new UsageError('pass one of --ticket ID or --client ID (the scope)');
  if (opts.due && (opts.from || opts.to)) throw new UsageError('pass --due, or --from and --to, not both');
  const scope = {
    ...(opts.ticket ? { ticketId: opts.ticket } : { clientId: opts.client }),
    ...(opts.rule ? { rule: opts.rule } : {}),
    ...(opts.due ? { dueAt: time(opts.due, '--due') } : {}),
    ...(opts.from ? { from: time(opts.from, '--from') } : {}),
    ...(opts.to ? { to: time(opts.to, '--to') } : {}),
  };
  return {
    id: opts.id ?? newId('W', now),
    scope,
    ...base,
    expiresAt: time(need(opts.expires, '--expires'), '--expires'),
  };
}

export async function waiveCommand(opts: WaiveOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const now = Date.now();
  const records = opts.list ? undefined : opts.file ? await loadWaiversFile(opts.file) : [recordOf(opts, now)];
  const local = await openLocalStore(opts.data, 'waive');
  try {
    if (!records) {
      const register = await local.store.waivers();
      if (opts.format === 'json') out.write(`${JSON.stringify(register, null, 2)}\n`);
      else
        out.write(
          `${[
            `${counted(register.length, 'record')} in the register of ${opts.data}`,
            ...register.map((r) =>
              isRevocation(r)
                ? `${r.id}  revokes ${r.revokes}  ${r.grantedAt}  by ${r.approver}: ${r.reason}`
                : `${r.id}  ${'ticketId' in r.scope ? `ticket ${r.scope.ticketId}` : `client ${r.scope.clientId}`}${r.scope.rule ? ` ${r.scope.rule}` : ''}  granted ${r.grantedAt}, expires ${r.expiresAt}  by ${r.approver}: ${r.reason}`,
            ),
          ].join('\n')}\n`,
        );
      return 0;
    }
    let outcomes: Awaited<ReturnType<typeof addWaivers>>;
    try {
      // the tickets it bears on are flagged: the next `serve` reconciles them
      outcomes = await addWaivers(local.store, records, now, {
        policy: await loadPolicyFile(opts.policy),
        changed: (ids) => local.store.flagChanged(ids, now),
      });
    } catch (err) {
      if (err instanceof WaiverError) throw new UsageError(err.message);
      throw err;
    }
    if (opts.format === 'json') out.write(`${JSON.stringify(outcomes, null, 2)}\n`);
    else
      for (const o of outcomes)
        out.write(`${o.id}: ${o.outcome === 'conflict' ? 'refused: the id is taken by another record' : o.outcome}\n`);
    return outcomes.some((o) => o.outcome === 'conflict') ? 1 : 0;
  } finally {
    await local.close();
  }
}
