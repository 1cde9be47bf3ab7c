/**
 * Runs of missed updates: consecutive breached windows of one ticket's cadence rule (each window
 * starting where the missed one before it fell due) read as one line for a person ("27 missed
 * windows, Sat 10:00 to Mon 08:00"). Every breach keeps its own identity (RULES.md section 2);
 * this only groups them for reading.
 */
import { ruleById } from './rules';
import type { Breach } from './types';

/** What grouping needs of a breach: the engine's breaches and the weekly report's both have it. */
type Missed = Pick<Breach, 'ticketId' | 'rule' | 'severity' | 'startAt' | 'dueAt'>;

export interface MissedRun {
  readonly ticketId: string;
  readonly rule: Breach['rule'];
  readonly severity: Breach['severity'];
  /** How many consecutive windows were missed (2 or more). */
  readonly count: number;
  /** The first missed window's clock start and due time, and the last one's due time. */
  readonly startAt: number;
  readonly firstDueAt: number;
  readonly lastDueAt: number;
}

/** One line of a readable breach list: a single breach, or a run of missed windows. */
export type BreachRow<B extends Missed = Breach> =
  | { readonly breach: B; readonly run?: undefined }
  | { readonly breach?: undefined; readonly run: MissedRun };

const dueOf = <B extends Missed>(row: BreachRow<B>): number => (row.run ? row.run.firstDueAt : row.breach.dueAt);

/**
 * One ticket's breaches (in due order) as rows, in due order: consecutive missed windows of a
 * cadence rule become one run; everything else stays a row of its own.
 */
export function breachRows<B extends Missed>(breaches: readonly B[]): BreachRow<B>[] {
  const rows: BreachRow<B>[] = [];
  let run: B[] = [];
  const close = () => {
    const first = run[0];
    if (first && run.length === 1) rows.push({ breach: first });
    else if (first) {
      rows.push({
        run: {
          ticketId: first.ticketId,
          rule: first.rule,
          severity: first.severity,
          count: run.length,
          startAt: first.startAt,
          firstDueAt: first.dueAt,
          lastDueAt: (run[run.length - 1] as B).dueAt,
        },
      });
    }
    run = [];
  };
  for (const b of breaches) {
    if (ruleById.get(b.rule)?.kind !== 'cadence') {
      rows.push({ breach: b });
      continue;
    }
    const last = run[run.length - 1];
    if (last && (last.rule !== b.rule || b.startAt !== last.dueAt)) close();
    run.push(b);
  }
  close();
  return rows.sort((x, y) => dueOf(x) - dueOf(y));
}
