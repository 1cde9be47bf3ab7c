/**
 * Whether a population of tickets is complete, as an auditor asks it: which tickets were P0 or
 * P1 at any time and no incident (PagerDuty, Opsgenie) names, and which incidents name a ticket
 * that has no `ticket.created` (a ticket id mistyped in the incident, or a ticket missing from the
 * data). Read off the events' `incident` extension; no rule depends on it. And how complete the
 * deliveries were: the changes no webhook delivered that the periodic reconciliation recovered
 * (the `recoveredAt` extension), by source.
 */
import type { TicketEvent } from '../events/parse';
import { counted } from '../text/plural';

export interface Population {
  /** Tickets P0 or P1 at any time (with their `ticket.created`). */
  readonly severe: number;
  readonly severeWithIncident: number;
  /** The severe tickets no incident names, by id. */
  readonly withoutIncident: readonly string[];
  /** Incidents (`<system>:<id>`) whose ticket is not known, with the ticket id they name. */
  readonly unknownTicket: readonly { readonly incident: string; readonly ticketId: string }[];
  /** Changes no webhook delivered, recovered by reconciliation, by source (the id's prefix). */
  readonly recovered: { readonly total: number; readonly bySource: Readonly<Record<string, number>> };
}

const byIncident = (a: { incident: string }, b: { incident: string }) =>
  a.incident < b.incident ? -1 : a.incident > b.incident ? 1 : 0;

/** Counts tickets one at a time; `within` keeps only tickets opened (or incidents raised) in it. */
export class PopulationCount {
  private severe = 0;
  private severeWithIncident = 0;
  private readonly withoutIncident: string[] = [];
  private readonly unknownTicket: { incident: string; ticketId: string }[] = [];
  private readonly recovered = { total: 0, bySource: {} as Record<string, number> };

  constructor(private readonly within?: { readonly start: number; readonly end: number }) {}

  private inside(t: number): boolean {
    return !this.within || (t >= this.within.start && t < this.within.end);
  }

  add(ticketId: string, history: readonly TicketEvent[]): void {
    let created: TicketEvent | undefined;
    let severe = false;
    const incidents = new Map<string, number>();
    for (const e of history) {
      if (e.type === 'ticket.created' && (created === undefined || e.t < created.t)) created = e;
      if (e.severity === 'P0' || e.severity === 'P1') severe = true;
      if (e.incident !== undefined && !incidents.has(e.incident)) incidents.set(e.incident, e.t);
      if (e.recovered !== undefined && this.inside(e.t)) {
        const source = e.id.split(':', 1)[0] as string;
        this.recovered.total++;
        this.recovered.bySource[source] = (this.recovered.bySource[source] ?? 0) + 1;
      }
    }
    if (!created) {
      for (const [incident, t] of [...incidents].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        if (this.inside(t)) this.unknownTicket.push({ incident, ticketId });
      return;
    }
    if (!severe || !this.inside(created.t)) return;
    this.severe++;
    if (incidents.size > 0) this.severeWithIncident++;
    else this.withoutIncident.push(ticketId);
  }

  result(): Population {
    return {
      severe: this.severe,
      severeWithIncident: this.severeWithIncident,
      withoutIncident: [...this.withoutIncident].sort(),
      unknownTicket: [...this.unknownTicket].sort(byIncident),
      recovered: { total: this.recovered.total, bySource: sortedKeys(this.recovered.bySource) },
    };
  }
}

const sortedKeys = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The population of disjoint sets of tickets, together. */
export function mergePopulations(parts: readonly Population[]): Population {
  const sum = (f: (p: Population) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    severe: sum((p) => p.severe),
    severeWithIncident: sum((p) => p.severeWithIncident),
    withoutIncident: parts.flatMap((p) => p.withoutIncident).sort(),
    unknownTicket: parts.flatMap((p) => p.unknownTicket).sort(byIncident),
    recovered: {
      total: sum((p) => p.recovered.total),
      bySource: sortedKeys(
        parts.reduce<Record<string, number>>((all, p) => {
          for (const [k, n] of Object.entries(p.recovered.bySource)) all[k] = (all[k] ?? 0) + n;
          return all;
        }, {}),
      ),
    },
  };
}

/** The population's completeness in one sentence (the weekly report and the audit say it alike). */
export function populationSummary(p: Population): string {
  return (
    `${counted(p.severe, 'P0/P1 ticket')}, ${p.severeWithIncident} named by an incident; ` +
    `${counted(p.unknownTicket.length, 'incident')} naming no known ticket` +
    (p.recovered.total
      ? `; ${counted(p.recovered.total, 'change')} no webhook delivered, recovered by reconciliation (${Object.entries(
          p.recovered.bySource,
        )
          .map(([source, n]) => `${source} ${n}`)
          .join(', ')})`
      : '')
  );
}

/** What is missing from the population, one line per kind; nothing when it is complete. */
export function populationGaps(p: Population): string[] {
  return [
    ...(p.withoutIncident.length
      ? [`P0/P1 tickets no incident names (${p.withoutIncident.length}): ${p.withoutIncident.join(', ')}`]
      : []),
    ...(p.unknownTicket.length
      ? [
          `incidents naming no known ticket (${p.unknownTicket.length}): ${p.unknownTicket.map((u) => `${u.incident} (${u.ticketId})`).join(', ')}`,
        ]
      : []),
  ];
}
