/** A one-line progress display on standard error, shown only on a terminal. */
export class Progress {
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean = process.stderr.isTTY === true,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

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
