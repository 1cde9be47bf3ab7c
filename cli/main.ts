/** The `escalation-auditor` command line. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { audit, UsageError } from './audit';
import { FORMATS } from './render';

export function program(): Command {
  const cli = new Command('escalation-auditor')
    .description('Checks that tickets follow the escalation policy (CS-POL-001 by default).')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  cli
    .command('audit')
    .description('Audit an export of canonical ticket events (JSON Lines) and list every breach.')
    .requiredOption('--events <file>', 'JSON Lines of canonical events, or - for standard input')
    .option('--as-of <time>', 'audit as of this RFC 3339 time (default: the latest event time in the input)')
    .option('--policy <file>', 'policy file, JSON or YAML (default: the built-in CS-POL-001)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option(
      '--skip-invalid',
      'audit the valid lines and report invalid ones as "rejected" instead of refusing the input',
    )
    .option('--fail-on-breach', 'exit with status 1 when there is at least one breach')
    .option('--threads <n>', 'threads to audit on (default: 1 for files under 8 MiB, else one per core)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64)
        throw new InvalidArgumentError('expected a whole number from 1 to 64');
      return n;
    })
    .option('--no-progress', 'never show progress on standard error (it shows only on a terminal anyway)')
    .addHelpText(
      'after',
      `
Exit status: 0 audited; 1 breaches found with --fail-on-breach; 2 invalid input, policy or usage.

Examples:
  escalation-auditor audit --events examples/export.jsonl
  escalation-auditor audit --events export.jsonl --as-of 2026-03-02T18:00:00Z --format json
  cat export.jsonl | escalation-auditor audit --events - --policy my-policy.yaml --format markdown`,
    )
    .action(async (opts) => {
      process.exitCode = await audit(opts);
    });

  return cli;
}

export async function main(argv: string[]): Promise<void> {
  // a reader that stops early (`| head`) is not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage mistakes exit 2 like every other refused input
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof UsageError) {
      process.stderr.write(`escalation-auditor: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      throw err;
    }
  }
}
