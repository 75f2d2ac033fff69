/**
 * Upload progress on stderr. On a terminal one line redrawn in place; otherwise (a pipe, CI, a test) a
 * line at every tenth of the work, so logs stay short.
 */
export class ProgressBar {
  private lastDecile = -1;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 30,
  ) {}

  update(done: number, detail: string): void {
    const fraction = this.total > 0 ? done / this.total : 1;
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? `${(done / seconds).toFixed(1)}/s` : '';
    if (this.stream.isTTY) {
      const filled = Math.round(fraction * this.width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${done}/${this.total} ${detail} ${rate}\x1b[K`);
      if (done >= this.total) this.stream.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile === this.lastDecile && done < this.total) return;
    this.lastDecile = decile;
    this.stream.write(`[${String(Math.round(fraction * 100)).padStart(3)}%] ${done}/${this.total} ${detail} ${rate}\n`);
  }
}
