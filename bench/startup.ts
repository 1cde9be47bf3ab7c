/**
 * The command line's start-up: wall time of `escalation-auditor --help` and of `audit` on a
 * one-ticket export, against a bare `node -e 0`, in fresh processes, round-robin, median and
 * p90 of 21 runs each. The target: `--help` within 250 ms of the bare process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../bin/escalation-auditor.mjs');

function wall(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] ?? 0;

export async function benchStartup(runs = 21): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ea-startup-'));
  const events = join(dir, 'one.jsonl');
  writeFileSync(
    events,
    `${JSON.stringify({ id: 'e1', ticketId: 'T-1', type: 'ticket.created', at: '2026-03-02T10:00:00Z', severity: 'P1', client: { id: 'acme', tier: 'enterprise' } })}\n`,
  );
  const cases: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['escalation-auditor --help', [BIN, '--help']],
    ['escalation-auditor audit (1 event)', [BIN, 'audit', '--events', events]],
  ];
  const times = cases.map(() => [] as number[]);
  try {
    for (let i = 0; i < runs; i++) {
      for (const [c, [, args]] of cases.entries()) times[c]?.push(wall(args));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bare = quantile(times[0] ?? [], 0.5);
  console.log(`\nstart-up, ${runs} fresh processes each (median / p90, and the median over a bare node):`);
  cases.forEach(([name], c) => {
    const t = times[c] ?? [];
    const over = c === 0 ? '' : `  (+${(quantile(t, 0.5) - bare).toFixed(0)} ms)`;
    console.log(`  ${name.padEnd(36)} ${quantile(t, 0.5).toFixed(0)} / ${quantile(t, 0.9).toFixed(0)} ms${over}`);
  });
}
