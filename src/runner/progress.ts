/**
 * A progress bar for long loops.
 *
 * On a TTY the bar is redrawn synchronously inside `update()` (a training
 * loop that never yields to the event loop still sees it move), logger lines
 * are printed above it at once (the bar is cleared, the line written, the bar
 * redrawn) and `stop()` leaves the final state on its own line. Off a TTY
 * there is no bar: with `lines: true` (or `force: true`) it prints a plain
 * `label: n/total (p%)` line every 10% and at the end, else nothing.
 */
import { Logger, type ConsoleSink } from './logger';

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressBarOptions {
  /** Logger whose console lines must print above the bar while it is shown (one with a console `sink`). */
  logger?: object;
  /** Show progress even off a TTY (as periodic plain lines). */
  force?: boolean;
  /** Off a TTY, print periodic plain lines (the tools that run long on their own: infer, convert, demo data). */
  lines?: boolean;
  /** Where to draw (default process.stderr). */
  stream?: ProgressStream;
}

type Mode = 'tty' | 'lines' | 'off';

export class ProgressBar {
  private readonly mode: Mode;
  private readonly stream: ProgressStream;
  private value = 0;
  private readonly start = Date.now();
  private lastDrawn = -1;
  private lastDrawAt = 0;
  private lastLineTenth = -1;
  private prevSink?: ConsoleSink;
  private logger?: { sink: ConsoleSink };
  private stopped = false;

  constructor(
    private readonly total: number,
    private readonly label: string,
    opts: ProgressBarOptions = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    const tty = Boolean(this.stream.isTTY);
    const wanted = opts.force ?? (tty || opts.lines === true);
    this.mode = !wanted || total <= 0 ? 'off' : tty ? 'tty' : 'lines';
    if (this.mode === 'tty' && opts.logger instanceof Logger) {
      const logger = opts.logger;
      this.logger = logger;
      this.prevSink = logger.sink;
      const prev = logger.sink;
      logger.sink = (line, level) => this.printAbove(() => prev(line, level));
    }
    if (this.mode === 'tty') this.draw();
  }

  get active(): boolean {
    return this.mode !== 'off' && !this.stopped;
  }

  update(n: number): void {
    if (!this.active) return;
    this.value = Math.max(0, Math.min(n, this.total));
    if (this.mode === 'lines') {
      const tenth = Math.floor((10 * this.value) / this.total);
      if (tenth > this.lastLineTenth && tenth > 0) {
        this.lastLineTenth = tenth;
        this.stream.write(`${this.label}: ${this.value}/${this.total} (${Math.floor((100 * this.value) / this.total)}%), elapsed ${fmtSec(this.elapsed())}\n`);
      }
      return;
    }
    // Redraw at most every 1% of the run or every 200 ms, so huge loops do not flood the terminal.
    const step = Math.max(1, Math.floor(this.total / 100));
    if (this.value === this.total || this.value - this.lastDrawn >= step || Date.now() - this.lastDrawAt >= 200) this.draw();
  }

  /** Leaves the final state on screen and gives the logger its sink back. */
  stop(): void {
    if (this.stopped) return;
    if (this.logger && this.prevSink) this.logger.sink = this.prevSink;
    if (this.mode === 'tty') {
      this.draw();
      this.stream.write('\n');
    } else if (this.mode === 'lines' && this.lastLineTenth < 10 && this.value > 0) {
      this.stream.write(`${this.label}: ${this.value}/${this.total} (${Math.floor((100 * this.value) / this.total)}%), elapsed ${fmtSec(this.elapsed())}\n`);
    }
    this.stopped = true;
  }

  /** The bar text for the current value (exported shape for tests). */
  render(width = this.stream.columns ?? 100): string {
    const pct = Math.floor((100 * this.value) / this.total);
    const el = this.elapsed();
    const eta = this.value > 0 ? (el * (this.total - this.value)) / this.value : NaN;
    const tail = ` ${this.value}/${this.total} | ${pct}% | elapsed ${fmtSec(el)} | eta ${Number.isFinite(eta) ? fmtSec(eta) : '?'}`;
    const barW = Math.max(10, Math.min(40, width - this.label.length - tail.length - 4));
    const filled = Math.round((barW * this.value) / this.total);
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(barW - filled)}]${tail}`;
  }

  private elapsed(): number {
    return (Date.now() - this.start) / 1000;
  }

  private draw(): void {
    this.stream.write(`\r\x1b[2K${this.render()}`);
    this.lastDrawn = this.value;
    this.lastDrawAt = Date.now();
  }

  /** Clears the bar, lets the logger's own sink print the line, redraws the bar below it. */
  private printAbove(print: () => void): void {
    this.stream.write('\r\x1b[2K');
    print();
    this.draw();
  }
}

function fmtSec(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
