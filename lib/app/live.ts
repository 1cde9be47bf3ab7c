/**
 * Deadlines that fire, written once against the ports. After every change to a ticket and
 * whenever one of its timers fires, `reconcile` asks the engine about the ticket and:
 *   - records every breach now due, once, and alerts it once (the store's notice state machine);
 *   - retracts a recorded breach that late evidence met, and publishes the retraction;
 *   - pages no breach a waiver excuses, and follows an alerted breach that a waiver excuses
 *     later with one "excused" notice naming the waiver, approver and reason;
 *   - warns ahead of a due time when the policy asks for it, once per obligation;
 *   - arms a timer for every pending obligation and disarms the ones no longer wanted.
 * The timer is a hint; the stored history is the truth.
 */
import { evaluateTicket } from '../engine/evaluate';
import { explain } from '../engine/explain';
import type { Obligation, TicketAudit } from '../engine/types';
import { type WaiverRecord, waiverBook } from '../engine/waivers';
import type { Policy } from '../policy/schema';
import {
  type Alert,
  type Alerts,
  type Notice,
  type NoticeKey,
  type NoticeState,
  noticeKey,
  type Store,
  type Timer,
  type Timers,
  timerKey,
} from '../ports';
import { compact, type Unreadable } from './tickets';

export interface LiveDeps {
  readonly store: Store;
  readonly timers: Timers;
  readonly alerts: Alerts;
  readonly policy: Policy;
  /** Webhook lag allowed for: a deadline is judged this long after it passed. */
  readonly graceMs: number;
  /**
   * Breaches older than this are not alerted (default 24 h): a history imported or replayed late
   * is audited by the engine and the reports, not paged to on-call breach by breach.
   */
  readonly alertHorizonMs?: number;
  /** Base URL of the ticket API, for the alerts' links. */
  readonly baseUrl: string;
  readonly now?: () => number;
  /** Told of every stored event that no longer parses: it is left out of the engine's view. */
  readonly unreadable?: (u: Unreadable) => void;
  /** The register of waivers (the store's, perhaps cached); none when absent. */
  readonly waivers?: () => Promise<readonly WaiverRecord[]>;
}

/** How long a checker may hold a notice while it publishes (then another may take over). */
const LEASE_MS = 60_000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** What one call changed: each count is of alerts this call published, never of what it only saw. */
export interface Reconciled {
  /** Breaches recorded and alerted by this call (0 for a redelivered timer that found them alerted). */
  readonly breaches: number;
  readonly retracted: number;
  readonly warnings: number;
  readonly armed: number;
  readonly disarmed: number;
}

export async function reconcile(ticketId: string, deps: LiveDeps): Promise<Reconciled> {
  const now = deps.now?.() ?? Date.now();
  try {
    return await judge(ticketId, deps, now);
  } finally {
    // what is stored of the ticket now (its events, the notices recorded, even by a reconcile
    // that failed after recording them) joins its hash chain (lib/ledger.ts)
    await deps.store.seal(`ticket:${ticketId}`, now);
  }
}

async function judge(ticketId: string, deps: LiveDeps, now: number): Promise<Reconciled> {
  // one read of the ticket: its events, armed timers and recorded notices
  const { events: stored, timers: current, notices } = await deps.store.ticket(ticketId);
  const events = compact(stored, deps.unreadable);
  // judged as of now; a breach is raised only once the grace for late webhooks has passed too
  const register = (await deps.waivers?.()) ?? [];
  const audit = evaluateTicket(ticketId, events, deps.policy, now, waiverBook(register, now));
  const horizon = now - (deps.alertHorizonMs ?? DAY);
  const judgedNow = (o: Obligation) => judged(o, deps.graceMs, now) && o.dueAt >= horizon;

  const known = new Map(notices.map((n) => [noticeKey(n), n]));
  // a notice already past `recorded` has been (or is being) alerted: nothing to do for it
  const open = (key: NoticeKey) => {
    const state = known.get(noticeKey(key))?.state;
    return state === undefined || state === 'recorded' || state === 'alerting';
  };

  const retracted = await retract(audit, notices, deps, now);
  let breaches = 0;
  for (const breach of audit.breaches) {
    if (judgedNow(breach) && open({ ...breach, kind: 'breach' }) && (await raise(breach, 'breach', audit, deps, now)))
      breaches++;
  }
  const warnings = await warn(audit, open, deps, now);
  // a breach alerted before a waiver excused it: on-call is told, once
  for (const o of audit.obligations) {
    if (o.status !== 'excused') continue;
    const alerted = known.get(noticeKey({ ...o, kind: 'breach' }))?.state;
    if ((alerted === 'alerted' || alerted === 'alerting') && open({ ...o, kind: 'excuse' }))
      await raise(o, 'excuse', audit, deps, now);
  }

  const wanted = [...wantedTimers(audit, deps, now), ...leaseTimers(notices, now)];
  // a timer is its key and its time: one that moved is disarmed, then armed again
  const id = (t: Timer) => `${timerKey(t)}@${t.fireAt}`;
  const wantedIds = new Set(wanted.map(id));
  const currentIds = new Set(current.map(id));
  const arm = wanted.filter((t) => !currentIds.has(id(t)));
  const disarm = current.filter((t) => !wantedIds.has(id(t)));
  if (disarm.length) await deps.timers.disarm(disarm);
  if (arm.length) await deps.timers.arm(arm);
  if (arm.length || disarm.length) await deps.store.saveTimers(arm, disarm);
  return {
    breaches,
    retracted,
    warnings,
    armed: arm.length,
    disarmed: disarm.length,
  };
}

/** A timer fired: the stored history decides what, if anything, is due. */
export const check = (timer: Pick<Timer, 'ticketId'>, deps: LiveDeps): Promise<Reconciled> =>
  reconcile(timer.ticketId, deps);

/** A deadline is judged once the grace for late webhooks has passed after it. */
const judged = (o: Obligation, graceMs: number, now: number) => o.dueAt + graceMs <= now;

/** Deadline timers for every pending obligation, warning timers ahead of them when asked for. */
function wantedTimers(audit: TicketAudit, deps: LiveDeps, now: number): Timer[] {
  const lead = warningLead(deps.policy);
  const timers: Timer[] = [];
  for (const o of audit.obligations) {
    // a breach still inside the grace for late webhooks is judged when its timer fires
    const waiting = o.status === 'breached' && !judged(o, deps.graceMs, now);
    if (o.status !== 'pending' && !waiting) continue;
    const base = { ticketId: o.ticketId, rule: o.rule, dueAt: o.dueAt };
    timers.push({ ...base, kind: 'deadline', fireAt: o.dueAt + deps.graceMs });
    if (lead !== undefined && warnsAbout(deps.policy, o) && o.dueAt - lead > now) {
      timers.push({ ...base, kind: 'warning', fireAt: o.dueAt - lead });
    }
  }
  return timers;
}

/**
 * A timer for every claim another checker holds (it may die holding it): when its lease runs out,
 * the check takes the claim over and publishes. Claims already run out were taken over just now.
 */
function leaseTimers(notices: readonly Notice[], now: number): Timer[] {
  return notices
    .filter((n) => (n.state === 'alerting' || n.state === 'retracting') && (n.leaseUntil ?? 0) > now)
    .map((n) => ({
      ticketId: n.ticketId,
      rule: n.rule,
      dueAt: n.dueAt,
      kind: 'lease',
      fireAt: n.leaseUntil as number,
    }));
}

const warningLead = (policy: Policy) => (policy.warnings ? policy.warnings.leadMinutes * 60_000 : undefined);
const warnsAbout = (policy: Policy, o: Obligation) => !policy.warnings?.rules || policy.warnings.rules.includes(o.rule);

/** Pending obligations inside their warning window get one warning each. */
async function warn(
  audit: TicketAudit,
  open: (key: NoticeKey) => boolean,
  deps: LiveDeps,
  now: number,
): Promise<number> {
  const lead = warningLead(deps.policy);
  if (lead === undefined) return 0;
  let warned = 0;
  for (const o of audit.obligations) {
    if (o.status !== 'pending' || !warnsAbout(deps.policy, o) || o.dueAt - lead > now || o.dueAt <= now) continue;
    if (!open({ ...o, kind: 'warning' })) continue;
    if (await raise(o, 'warning', audit, deps, now)) warned++;
  }
  return warned;
}

/** Records the notice (once) and alerts it (once); true when this call published. */
async function raise(
  o: Obligation,
  kind: Notice['kind'],
  audit: TicketAudit,
  deps: LiveDeps,
  now: number,
): Promise<boolean> {
  const notice: Notice = {
    ticketId: o.ticketId,
    rule: o.rule,
    dueAt: o.dueAt,
    kind,
    state: 'recorded',
    severity: o.severity,
    clientTier: audit.clientTier,
    explanation: explain(o, deps.policy),
    recordedAt: now,
  };
  await deps.store.record(notice);
  const alert = kind === 'excuse' ? 'excused' : kind;
  return deliver(notice, ['recorded', 'alerting', 'alerted'], alert, notice.explanation, deps, now, o.policyVersion);
}

/** A recorded breach the engine now finds met (late evidence) is retracted, and that is published. */
async function retract(audit: TicketAudit, notices: readonly Notice[], deps: LiveDeps, now: number): Promise<number> {
  let retracted = 0;
  for (const n of notices) {
    if (n.kind !== 'breach') continue;
    const o = audit.obligations.find((x) => x.rule === n.rule && x.dueAt === n.dueAt);
    if (o?.status !== 'met' || n.state === 'retraction-alerted') continue;
    // a breach caught mid-alert (its publisher died, or is still at it): its alert goes out first,
    // once its claim can be taken, then the retraction; until then its lease timer brings it back
    if (
      n.state === 'alerting' &&
      !(await deliver(n, ['recorded', 'alerting', 'alerted'], 'breach', n.explanation, deps, now, o.policyVersion))
    )
      continue;
    const moved =
      (await deps.store.transition(n, 'alerted', 'retracted', now)) ||
      (await deps.store.transition(n, 'recorded', 'retracted', now)) ||
      n.state === 'retracted' ||
      n.state === 'retracting';
    if (!moved) continue;
    const why = `retracted: ${explain(o, deps.policy)}`;
    const states: [NoticeState, NoticeState, NoticeState] = ['retracted', 'retracting', 'retraction-alerted'];
    if (await deliver(n, states, 'retraction', why, deps, now, o.policyVersion)) retracted++;
  }
  return retracted;
}

/**
 * Publishes once: claims the notice (`from` -> `claimed`, leased), publishes, then settles it
 * (`claimed` -> `done`). A failed publish releases the claim and throws, so the platform retries.
 */
async function deliver(
  key: Notice,
  [from, claimed, done]: [NoticeState, NoticeState, NoticeState],
  kind: Alert['kind'],
  explanation: string,
  deps: LiveDeps,
  now: number,
  policyVersion?: string,
): Promise<boolean> {
  if (!(await deps.store.transition(key, from, claimed, now, LEASE_MS))) return false;
  try {
    await deps.alerts.publish({
      alertId: `${kind}:${key.ticketId}:${key.rule}:${iso(key.dueAt)}`,
      kind,
      ticketId: key.ticketId,
      rule: key.rule,
      dueAt: iso(key.dueAt),
      severity: key.severity,
      clientTier: key.clientTier,
      policy: deps.policy.id,
      ...(policyVersion ? { policyVersion } : {}),
      explanation,
      link: `${deps.baseUrl}/tickets/${encodeURIComponent(key.ticketId)}`,
      raisedAt: iso(now),
    });
  } catch (err) {
    await deps.store.transition(key, claimed, from, now);
    throw err;
  }
  await deps.store.transition(key, claimed, done, now);
  return true;
}
