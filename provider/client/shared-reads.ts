/**
 * One list call per account per Pulumi run: every resource of an account reads from the same answer, concurrent
 * readers wait for the same request, and a write to the account makes the next reader fetch again. A read asked
 * for while writes to the account are in flight waits for them, so that concurrent creates on one account share
 * one list taken after all of them, instead of one list each.
 */
export class SharedReads<T> {
  private readonly answers = new Map<string, Promise<T>>();
  /** The last read of each account, kept across writes: see `recent`. */
  private readonly lastRead = new Map<string, Promise<T>>();
  private readonly writes = new Map<string, Set<Promise<unknown>>>();

  constructor(private readonly fetch: (key: string) => Promise<T>) {}

  async get(key: string): Promise<T> {
    for (let inFlight = this.writes.get(key); inFlight; inFlight = this.writes.get(key)) {
      await Promise.allSettled(inFlight);
    }
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.fetch(key);
      this.answers.set(key, answer);
      this.lastRead.set(key, answer);
      // A failed read is not remembered: the next reader tries again.
      answer.catch(() => {
        if (this.answers.get(key) === answer) this.answers.delete(key);
        if (this.lastRead.get(key) === answer) this.lastRead.delete(key);
      });
    }
    return answer;
  }

  /**
   * The account's list as last read in this run, even if writes followed it. Enough for a caller that looks only at
   * an item no write of this run has touched: a destroy's deletes then share one list per account, where `get`
   * would read again after every unlink.
   */
  recent(key: string): Promise<T> {
    return this.lastRead.get(key) ?? this.get(key);
  }

  /** Runs a write to the account; whatever it does, the account's list must be fetched again afterwards. */
  write<R>(key: string, write: () => Promise<R>): Promise<R> {
    let inFlight = this.writes.get(key);
    if (!inFlight) this.writes.set(key, (inFlight = new Set()));
    const tracked: Promise<R> = write().finally(() => {
      inFlight.delete(tracked);
      if (inFlight.size === 0 && this.writes.get(key) === inFlight) this.writes.delete(key);
      this.answers.delete(key);
    });
    inFlight.add(tracked);
    return tracked;
  }
}
