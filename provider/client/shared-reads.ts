import { SharedFetch } from "./shared-fetch";

/**
 * One list call per account per Pulumi run, until a write: every resource of an account reads from the same answer,
 * concurrent readers wait for the same request, and a write to the account makes the next reader fetch again. A read
 * asked for while writes to the account are in flight waits for them, so that concurrent creates on one account share
 * one list taken after all of them, instead of one list each.
 */
export class SharedReads<T> {
  /** The last read of each account, kept after writes for `recent`; `get` reads again when the account is in `written`. */
  private readonly reads = new SharedFetch<string, T>();
  /** Accounts written to since their last read began. */
  private readonly written = new Set<string>();
  private readonly writes = new Map<string, Set<Promise<unknown>>>();

  constructor(private readonly fetch: (key: string) => Promise<T>) {}

  async get(key: string): Promise<T> {
    for (let inFlight = this.writes.get(key); inFlight; inFlight = this.writes.get(key)) {
      await Promise.allSettled(inFlight);
    }
    if (this.written.delete(key)) this.reads.forget(key);
    return this.reads.get(key, () => this.fetch(key));
  }

  /**
   * The account's list as last read in this run, even if writes followed it. Enough for a caller that looks only at
   * an item no write of this run has touched: a destroy's deletes then share one list per account, where `get`
   * would read again after every unlink.
   */
  recent(key: string): Promise<T> {
    return this.reads.peek(key) ?? this.get(key);
  }

  /** Runs a write to the account; whatever it does, the account's list must be fetched again afterwards. */
  write<R>(key: string, write: () => Promise<R>): Promise<R> {
    let inFlight = this.writes.get(key);
    if (!inFlight) this.writes.set(key, (inFlight = new Set()));
    const tracked: Promise<R> = write().finally(() => {
      inFlight.delete(tracked);
      if (inFlight.size === 0 && this.writes.get(key) === inFlight) this.writes.delete(key);
      this.written.add(key);
    });
    inFlight.add(tracked);
    return tracked;
  }
}
