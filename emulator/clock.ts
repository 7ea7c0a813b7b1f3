/**
 * The emulator's time: the machine's clock plus an offset that `POST /__emulator/clock` moves forward,
 * so tests can expire tokens and time out applications without waiting.
 */
export class Clock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
