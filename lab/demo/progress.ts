/**
 * Progress while the demo runs: one live status line per week on a terminal (rewritten in place), plain
 * lines otherwise (CI logs), nothing when quiet. Written to stderr so `--json` output stays parseable.
 */

export interface ProgressSink {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface WeekStatus {
  week: number;
  weeks: number;
  /** Periods of this week played so far (0..42). */
  period: number;
  periods: number;
  accepted: number;
  overruled: number;
  refused: number;
  note?: string;
}

const BAR_WIDTH = 20;

export function statusLine(s: WeekStatus): string {
  const filled = Math.round((s.period / s.periods) * BAR_WIDTH);
  const bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
  const parts = [
    `week ${s.week}/${s.weeks} [${bar}] ${s.period}/${s.periods} periods`,
    `${s.accepted} batches accepted`,
  ];
  if (s.overruled) parts.push(`${s.overruled} parent(s) overruled`);
  if (s.refused) parts.push(`${s.refused} reading(s) refused`);
  if (s.note) parts.push(s.note);
  return parts.join(", ");
}

export class Progress {
  private live = false;
  private lastPlain = -1;

  constructor(
    private readonly sink: ProgressSink | null,
    /** Plain mode prints a week's line every this many periods (and at its end). */
    private readonly plainEvery = 14,
  ) {}

  static for(quiet: boolean, stream: ProgressSink = process.stderr): Progress {
    return new Progress(quiet ? null : stream);
  }

  /** A one-off step (setup, report): its own line. */
  step(text: string): void {
    if (!this.sink) return;
    this.endLine();
    this.sink.write(`${text}\n`);
  }

  week(s: WeekStatus): void {
    if (!this.sink) return;
    const line = statusLine(s);
    if (this.sink.isTTY) {
      this.sink.write(`\r\x1b[2K${line}`);
      this.live = true;
      if (s.period === s.periods) this.endLine();
      return;
    }
    const key = s.week * 1000 + s.period;
    if ((s.period % this.plainEvery === 0 || s.period === s.periods) && key !== this.lastPlain) {
      this.lastPlain = key;
      this.sink.write(`${line}\n`);
    }
  }

  private endLine(): void {
    if (this.live && this.sink) this.sink.write("\n");
    this.live = false;
  }
}
