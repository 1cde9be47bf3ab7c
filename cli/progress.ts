/** A one-line progress display on standard error, shown only on a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;

  /**
   * `wanted` is the command's `--progress`/`--no-progress` (commander makes it `true` unless
   * `--no-progress` was given): progress is drawn only when it is wanted *and* `out` is a terminal,
   * so `2>log` never gets carriage returns or escape codes.
   */
  constructor(
    wanted = true,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = wanted && out.isTTY === true;
  }

  /** Redraws at most every 200 ms; `text` is only computed when it will be shown. */
  update(text: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.out.write(`\r\x1b[K${text()}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

export const count = (n: number): string => n.toLocaleString('en-US');
