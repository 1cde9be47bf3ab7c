/** The `escalation-auditor` command line. */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { IMPORT_VENDORS, type ImportVendor } from '../lib/adapters/vendors/names';
import { MAX_BODY } from '../lib/app/limits';
import { SOURCE_NAMES } from '../lib/sources/names';
import { FORMATS, REPORT_FORMATS, UsageError } from './options';

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
    .option(
      '--waivers <file>',
      'a register of waivers (YAML or JSON): the breaches they cover are excused, counted apart',
    )
    .option(
      '--compare-policy <file>',
      'instead of the audit: the breaches this proposed policy would add or remove, per rule and ticket (nothing is stored)',
    )
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
      const { audit } = await import('./audit');
      process.exitCode = await audit(opts);
    });

  cli
    .command('serve')
    .description('Receive webhooks and serve tickets on the embedded store (dynalite), like the AWS deployment does.')
    .addOption(new Option('--port <port>', 'port to listen on').default(8787).argParser(integer(0, 65535)))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'folder for the embedded store', '.data')
    .option('--memory', 'keep the store in memory instead (gone when it stops)')
    .option('--policy <file>', 'policy file, JSON or YAML (default: the built-in CS-POL-001)')
    .option('--mapping <file>', 'how to read vendor payloads (see examples/mapping.yaml)')
    .option(
      '--secrets <file>',
      'signing secrets per source, and `waivers` for POST /waivers, JSON or YAML (default: the development secret)',
    )
    .addOption(
      new Option(
        '--max-body <bytes>',
        'largest request body accepted (at most 262144: a request is archived whole in one item)',
      )
        .default(MAX_BODY)
        .argParser(integer(1, MAX_BODY)),
    )
    .addOption(
      new Option('--grace <seconds>', 'webhook lag allowed for: deadlines are judged this long after they pass')
        .default(30)
        .argParser(integer(0, 86_400)),
    )
    .option('--alerts-file <file>', 'JSON Lines file for alerts (default: alerts.jsonl in the data folder)')
    .option('--alerts-webhook <url>', 'also POST every alert to this URL (e.g. a Slack incoming webhook)')
    .option('--reports <dir>', 'folder for the weekly reports (default: reports/ in the data folder)')
    .option(
      '--read-token <file>',
      'bearer token file for GET /tickets, /unmapped and the details of /healthz (required off loopback)',
    )
    .addOption(
      new Option(
        '--reconcile-every <duration>',
        "pull the vendors' changes this often (e.g. 15m) and store what no webhook delivered",
      ).argParser(duration),
    )
    .addOption(
      new Option('--reconcile-from <vendors>', 'whose changes --reconcile-every pulls, comma-separated')
        .default(['pagerduty'], 'pagerduty')
        .argParser(vendorList),
    )
    .option('--pagerduty-url <url>', "PagerDuty's API (default: https://api.pagerduty.com)")
    .option('--pagerduty-credentials <file>', '{ token } as JSON or YAML (default: the PAGERDUTY_TOKEN variable)')
    .option('--zendesk-url <url>', 'your Zendesk, e.g. https://acme.zendesk.com')
    .option(
      '--zendesk-credentials <file>',
      '{ email, token } as JSON or YAML (default: ZENDESK_EMAIL and ZENDESK_TOKEN)',
    )
    .option('--jira-url <url>', 'your Jira Cloud site, e.g. https://acme.atlassian.net')
    .option('--jira-credentials <file>', '{ email, token } as JSON or YAML (default: JIRA_EMAIL and JIRA_TOKEN)')
    .addHelpText(
      'after',
      `
Routes: POST /webhooks/{canonical|zendesk|jira|pagerduty}, POST /webhooks/custom/{name} (the mapping's
custom sources), POST /waivers (the register of waivers), GET /tickets/{id}, GET /unmapped, GET /healthz.
Breaches, retractions and warnings are printed here and appended to the alerts file.
Stop it with Ctrl-C.`,
    )
    .action(async (opts) => {
      const { serve } = await import('./serve');
      const running = await serve(opts);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => () => {
          process.stderr.write(
            `escalation-auditor: ${signal}: stopping (answering requests in flight, flushing writes)\n`,
          );
          resolve();
        };
        process.once('SIGINT', stop('SIGINT'));
        process.once('SIGTERM', stop('SIGTERM'));
        // a dead store is no service: stop, so that a supervisor starts it again
        void running.failed.then((err) => {
          process.stderr.write(`escalation-auditor: the embedded store stopped (${err.message}); exiting\n`);
          process.exitCode = 1;
          resolve();
        });
      });
      await running.close();
      process.stderr.write('escalation-auditor: stopped\n');
    });

  cli
    .command('report')
    .description(
      "One ISO week's compliance report (per rule and severity, near misses, trend, breaches) from an export or the embedded store.",
    )
    .requiredOption('--week <week>', 'the ISO week, e.g. 2026-W10, in the policy time zone')
    .option('--events <file>', 'an export (JSON Lines of canonical events, or - for standard input)')
    .option('--data <dir>', 'without --events: the embedded store of serve (stop serve first)', '.data')
    .option('--policy <file>', 'policy file, JSON or YAML (default: the built-in CS-POL-001)')
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('markdown'))
    .option('--out <dir>', 'write <policy>-<week>.<ext> into this folder instead of standard output')
    .option('--skip-invalid', 'report on the valid lines instead of refusing the input')
    .option('--as-of <time>', "report as of this RFC 3339 time (default: now, or the week's end if that is earlier)")
    .option(
      '--waivers <file>',
      "a register of waivers (YAML or JSON): the breaches they cover are excused (default: the store's own register with --data, none with --events)",
    )
    .action(async (opts) => {
      const { reportCommand } = await import('./report');
      process.exitCode = await reportCommand(opts);
    });

  cli
    .command('replay')
    .description('Translate archived webhook requests again, e.g. after fixing the mapping; nothing is stored twice.')
    .requiredOption('--from <time>', 'replay requests received at or after this RFC 3339 time')
    .option('--to <time>', 'and before this time (default: now)')
    .option('--data <dir>', 'folder of the embedded store', '.data')
    .option('--mapping <file>', 'the (fixed) mapping file')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { replayCommand } = await import('./replay');
      process.exitCode = await replayCommand(opts);
    });

  cli
    .command('send')
    .description(
      'Post a file of vendor-shaped payloads (or canonical events) to a running serve, signed as that vendor signs.',
    )
    .addOption(new Option('--source <source>', 'who sends it').choices(SOURCE_NAMES).makeOptionMandatory())
    .requiredOption('--file <file>', 'one JSON payload, a JSON array of them, or JSON Lines (canonical: events)')
    .option('--url <url>', 'where serve listens', 'http://127.0.0.1:8787')
    .option('--secrets <file>', "serve's secrets file (default: the development secret)")
    .addOption(new Option('--batch <n>', 'canonical events per request').default(100).argParser(integer(1, 10_000)))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
In the file, {{now}}, {{now-7m}}, {{now+2h}} (s, m, h, d) become that time in RFC 3339, and
"{{now-7m:ms}}" a number of epoch milliseconds (Jira's timestamp), so an example always happened just now.

Exit status: 0 every request accepted; 1 a request refused (its reason is printed); 2 usage.

Examples:
  escalation-auditor send --source zendesk --file examples/webhooks/zendesk-ticket-created.json
  escalation-auditor send --source pagerduty --file examples/webhooks/pagerduty-incident-triggered.json
  escalation-auditor send --source canonical --file examples/export.jsonl`,
    )
    .action(async (opts) => {
      const { sendCommand } = await import('./send');
      process.exitCode = await sendCommand(opts);
    });

  cli
    .command('import')
    .description(
      "A vendor's history for a time range, through the same translation and mapping as its webhooks, into an export or the store.",
    )
    .addArgument(new Argument('<vendor>', 'whose history').choices(IMPORT_VENDORS))
    .requiredOption('--since <time>', 'from this RFC 3339 time')
    .option('--until <time>', 'to this time (default: now)')
    .option('--mapping <file>', "the mapping file (how the vendor's records read in our vocabulary)")
    .option('--out <file>', 'write canonical JSON Lines here (an export for audit and report)')
    .option('--data <dir>', 'or append to the embedded store in this folder (stop serve first)')
    .option(
      '--url <url>',
      "the vendor's address: https://<you>.zendesk.com, https://<you>.atlassian.net (PagerDuty's default: https://api.pagerduty.com)",
    )
    .option(
      '--credentials <file>',
      'a JSON or YAML file with { token } (PagerDuty) or { email, token } (Zendesk, Jira); default: PAGERDUTY_TOKEN, ZENDESK_EMAIL and ZENDESK_TOKEN, or JIRA_EMAIL and JIRA_TOKEN',
    )
    .option('--state <file>', 'where the cursor is kept to resume (default: next to --out, or in --data)')
    .option('--no-progress', 'no progress line on a terminal')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Credentials come from a file or the environment, never from the command line. Rate limits (429)
are waited out as the vendor asks; server errors are retried with backoff. An interrupted import
resumes from its state file when run again with the same vendor and range.

Examples:
  PAGERDUTY_TOKEN=... escalation-auditor import pagerduty --since 2026-02-01T00:00:00Z \\
    --mapping examples/mapping.yaml --out pagerduty-february.jsonl
  ZENDESK_EMAIL=... ZENDESK_TOKEN=... escalation-auditor import zendesk --url https://acme.zendesk.com \\
    --since 2026-02-01T00:00:00Z --mapping examples/mapping.yaml --out zendesk-february.jsonl
  JIRA_EMAIL=... JIRA_TOKEN=... escalation-auditor import jira --url https://acme.atlassian.net \\
    --since 2026-02-01T00:00:00Z --mapping examples/mapping.yaml --out jira-february.jsonl`,
    )
    .action(async (vendor, opts) => {
      const { importCommand } = await import('./import');
      process.exitCode = await importCommand(vendor, opts);
    });

  cli
    .command('unmapped')
    .description('List the archived webhook requests the mapping could not read, with the reasons (stop serve first).')
    .option('--data <dir>', 'folder of the embedded store', '.data')
    .option('--since <time>', 'received at or after this RFC 3339 time (default: the last 24 hours)')
    .addOption(
      new Option('--limit <n>', 'show at most this many, newest first').default(100).argParser(integer(1, 100_000)),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { unmappedCommand } = await import('./unmapped');
      process.exitCode = await unmappedCommand(opts);
    });

  cli
    .command('waive')
    .description(
      'The register of waivers in the embedded store: add a waiver, revoke one, add a register file, or list it (stop serve first).',
    )
    .option('--data <dir>', 'folder of the embedded store', '.data')
    .option('--ticket <id>', 'the waiver covers this ticket')
    .option('--client <id>', "or this client's tickets (then --from and --to are required)")
    .option('--rule <rule>', 'only this rule (default: every rule)')
    .option('--due <time>', 'only the obligation due at this RFC 3339 time')
    .option('--from <time>', 'only obligations due at or after this time')
    .option('--to <time>', 'and before this time')
    .option('--reason <text>', 'why (shown with every excused breach)')
    .option('--approver <name>', 'who approved it')
    .option('--expires <time>', 'it excuses nothing due at or after this time')
    .option('--granted <time>', 'when it was approved (default: now)')
    .option('--id <id>', 'its id (default: W-<date>-<random>, R-… for a revocation)')
    .option(
      '--revoke <id>',
      'revoke this waiver instead (with --reason and --approver): it excuses nothing due after now',
    )
    .option('--file <file>', 'add the records of a register file (YAML or JSON list)')
    .option('--list', 'print the register')
    .option('--policy <file>', "the policy serve runs (for a client waiver's lookback)")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
The register is append-only: nothing in it is changed or removed, and a revocation is a record of
its own. A record whose id is taken is refused (exit status 1) unless it is the same record.

Examples:
  escalation-auditor waive --ticket ZD-5158 --rule client-update --from 2026-03-02T18:00:00Z \\
    --to 2026-03-03T08:00:00Z --reason "client asked for no overnight updates" \\
    --approver "maria (Head of Support)" --expires 2026-03-03T08:00:00Z
  escalation-auditor waive --revoke W-20260302-1a2b3c --reason "granted in error" --approver maria
  escalation-auditor waive --list`,
    )
    .action(async (opts) => {
      const { waiveCommand } = await import('./waive');
      process.exitCode = await waiveCommand(opts);
    });

  cli
    .command('verify')
    .description(
      'Check that the stored history is as it was recorded: every event, notice and waiver against its hash chain and the day roots.',
    )
    .option('--data <dir>', 'folder of the embedded store (stop serve first)', '.data')
    .option(
      '--table <name>',
      'or the deployed DynamoDB table (the TableName output), with the AWS credentials of the environment',
    )
    .option('--endpoint <url>', 'DynamoDB endpoint for --table (e.g. DynamoDB Local)')
    .option('--region <region>', 'AWS region for --table')
    .option('--roots <file>', "a weekly report's JSON: the store's day roots must be those it published")
    .option('--no-progress', 'no progress line on a terminal')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Exit status: 0 verified; 1 a record altered, deleted or inserted, or a seal or root that differs
(each is named); 2 usage.

Examples:
  escalation-auditor verify --data .data
  escalation-auditor verify --table escalation-auditor-prod-Table --roots CS-POL-001-2026-W10.json`,
    )
    .action(async (opts) => {
      const { verifyCommand } = await import('./verify');
      process.exitCode = await verifyCommand(opts);
    });

  cli
    .command('evidence')
    .description(
      "An auditor's evidence: one self-contained HTML page and its JSON per ticket (events with their receipts, obligations, waivers, alerts, hashes).",
    )
    .option('--ticket <id...>', 'these tickets')
    .option('--week <week>', 'or every ticket with a breach or an excused breach due in this ISO week, e.g. 2026-W10')
    .option('--data <dir>', 'folder of the embedded store (stop serve first)', '.data')
    .option('--policy <file>', 'the policy serve runs (default: the built-in CS-POL-001)')
    .option('--as-of <time>', "judged as of this RFC 3339 time (default: now, or the week's end if that is earlier)")
    .option('--out <dir>', 'where the pages go', 'evidence')
    .option('--no-progress', 'no progress line on a terminal')
    .addOption(new Option('--format <format>', 'what to print').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Exit status: 0 written; 1 a ticket named has no events in the store; 2 usage.

Examples:
  escalation-auditor evidence --ticket ZD-5158 --out evidence/
  escalation-auditor evidence --week 2026-W10 --out evidence/2026-W10/`,
    )
    .action(async (opts) => {
      const { evidenceCommand } = await import('./evidence');
      process.exitCode = await evidenceCommand(opts);
    });

  cli
    .command('policy')
    .description("Print the effective policy: a policy file's values laid over CS-POL-001's defaults.")
    .option('--policy <file>', 'policy file, JSON or YAML (default: the built-in CS-POL-001)')
    .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText(
      'after',
      `
What the file leaves out keeps CS-POL-001's value, at any depth; a key it does not know is
refused and named (exit status 2), so a typo never silently keeps the default.`,
    )
    .action(async (opts) => {
      const { policyCommand } = await import('./policy');
      process.exitCode = await policyCommand(opts);
    });

  // --help says which options a command cannot run without
  for (const command of cli.commands) {
    for (const option of command.options) if (option.mandatory) option.description = `(required) ${option.description}`;
  }
  return cli;
}

/** `pagerduty,zendesk`: the vendors named, each once. */
function vendorList(v: string): ImportVendor[] {
  const names = [
    ...new Set(
      v
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((n) => !(IMPORT_VENDORS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(`expected some of ${IMPORT_VENDORS.join(', ')}, comma-separated`);
  return names as ImportVendor[];
}

/** `30s`, `15m`, `2h`: milliseconds, at least a second. */
function duration(v: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(v.trim());
  if (!m || Number(m[1]) === 0) throw new InvalidArgumentError('expected a duration such as 30s, 15m or 2h');
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

function integer(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
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
