interface Entry<T> {
  answer: Promise<T>;
  /** Set once the fetch succeeded, so that `forget` can judge the value. */
  settled?: { value: T };
}

/**
 * One fetch per key, shared: every caller that asks while it is in flight, or after it succeeded, gets its answer,
 * until the key is forgotten. A fetch that fails is forgotten at once, so that the next caller tries again instead of
 * inheriting the failure. Used for tokens, list reads and username lookups, which concurrent resources ask for at once.
 */
export class SharedFetch<K, T> {
  private readonly entries = new Map<K, Entry<T>>();

  /** The key's answer; `fetch` runs only when there is none, in flight or kept. */
  get(key: K, fetch: () => Promise<T>): Promise<T> {
    const known = this.entries.get(key);
    if (known) return known.answer;
    const entry: Entry<T> = { answer: fetch() };
    this.entries.set(key, entry);
    entry.answer.then(
      (value) => void (entry.settled = { value }),
      () => this.drop(key, entry),
    );
    return entry.answer;
  }

  /** The key's answer, in flight or kept, without fetching. */
  peek(key: K): Promise<T> | undefined {
    return this.entries.get(key)?.answer;
  }

  /**
   * Makes the next `get` fetch again. With `when`, only if the answer has arrived and `when` holds for it: a caller
   * that judges an answer it holds (an expired or rejected token) must not drop a newer one another caller fetched.
   */
  forget(key: K, when?: (value: T) => boolean): void {
    const entry = this.entries.get(key);
    if (entry && (!when || (entry.settled && when(entry.settled.value)))) this.drop(key, entry);
  }

  private drop(key: K, entry: Entry<T>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }
}
