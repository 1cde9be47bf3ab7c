/**
 * What the command line's parser needs before any command runs: the output formats and the
 * refusal type. Kept apart from the commands so that `--help` loads nothing else.
 */

/** A refusal the user can act on: printed without a stack trace, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Format = 'json' | 'text' | 'markdown';
export const FORMATS: readonly Format[] = ['json', 'text', 'markdown'];

export type ReportFormat = 'html' | 'json' | 'csv' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'json', 'csv', 'markdown'];
