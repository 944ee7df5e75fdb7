/**
 * A progress bar for long loops, shown only when stderr is a TTY (cli-progress).
 * While it is shown, logger lines print above the bar instead of through it.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Logger, ConsoleSink } from './logger';

export class ProgressBar {
  private multi?: MultiBar;
  private bar?: SingleBar;
  private prevSink?: ConsoleSink;
  private logger?: Logger;

  /** Enabled when `force` is true, or when undefined and stderr is a TTY. */
  constructor(
    private readonly total: number,
    private readonly label: string,
    opts: { logger?: Logger; force?: boolean } = {},
  ) {
    const enabled = opts.force ?? Boolean(process.stderr.isTTY);
    if (!enabled || total <= 0) return;
    this.multi = new MultiBar(
      {
        format: `${label} [{bar}] {value}/{total} | {percentage}% | elapsed {duration_formatted} | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        // Forced on a non-TTY stream (logs, tests): draw anyway.
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 1000,
      },
      Presets.shades_classic,
    );
    this.bar = this.multi.create(total, 0);
    if (opts.logger) {
      this.logger = opts.logger;
      this.prevSink = opts.logger.sink;
      const multi = this.multi;
      opts.logger.sink = (line) => multi.log(line + '\n');
    }
  }

  get active(): boolean {
    return this.bar !== undefined;
  }

  update(n: number): void {
    this.bar?.update(Math.min(n, this.total));
  }

  stop(): void {
    if (this.logger && this.prevSink) this.logger.sink = this.prevSink;
    this.multi?.stop();
    this.multi = undefined;
    this.bar = undefined;
    void this.label;
  }
}
