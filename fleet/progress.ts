import { formatDuration } from "./report";

/**
 * What the runner shows while the shards run, on stderr (stdout carries the report, so that it can go to a CI job
 * summary as it is): one line rewritten in place on a terminal, plain lines otherwise (a CI log keeps every line).
 */

export interface ProgressState {
  total: number;
  done: number;
  running: number;
  failed: number;
  /** Resources changed so far, or to be changed (preview, drift). */
  changed: number;
  elapsedSeconds: number;
}

/** "shards 3/8 done, 2 running, 1 failed · 41 changed · 1 min 20 s · about 2 min 10 s left". */
export function progressLine(state: ProgressState, verb: string): string {
  const { total, done, running, failed, changed, elapsedSeconds } = state;
  const finished = done + failed;
  const left = finished > 0 && finished < total ? ` · about ${formatDuration((elapsedSeconds / finished) * (total - finished))} left` : "";
  return `shards ${done}/${total} done, ${running} running, ${failed} failed · ${changed} ${verb} · ${formatDuration(elapsedSeconds)}${left}`;
}

export class Progress {
  private readonly state: ProgressState;
  private readonly started = Date.now();
  private readonly timer?: NodeJS.Timeout;
  private readonly live: Map<string, () => number> = new Map();
  private settled = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    total: number,
    private readonly verb: string,
  ) {
    this.state = { total, done: 0, running: 0, failed: 0, changed: 0, elapsedSeconds: 0 };
    if (out.isTTY) {
      this.timer = setInterval(() => this.draw(), 1000);
      this.timer.unref();
    }
  }

  /** A shard started; `changed` counts its changes so far, for the live line. */
  start(stack: string, changed: () => number): void {
    this.state.running += 1;
    this.live.set(stack, changed);
    if (this.out.isTTY) this.draw();
    else this.out.write(`${stack}: started\n`);
  }

  finish(stack: string, outcome: { failed: boolean; changed: number; seconds: number }): void {
    this.state.running -= 1;
    this.live.delete(stack);
    this.settled += outcome.changed;
    if (outcome.failed) this.state.failed += 1;
    else this.state.done += 1;
    if (this.out.isTTY) this.draw();
    else this.out.write(`${stack}: ${outcome.failed ? "failed" : "done"} in ${formatDuration(outcome.seconds)}, ${outcome.changed} ${this.verb} (${this.line()})\n`);
  }

  /** Clears the live line, so that the report starts on a clean one. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.out.isTTY) this.out.write(`\r\x1b[K${this.line()}\n`);
  }

  private line(): string {
    this.state.changed = this.settled + [...this.live.values()].reduce((sum, count) => sum + count(), 0);
    this.state.elapsedSeconds = (Date.now() - this.started) / 1000;
    return progressLine(this.state, this.verb);
  }

  private draw(): void {
    this.out.write(`\r\x1b[K${this.line()}`);
  }
}
