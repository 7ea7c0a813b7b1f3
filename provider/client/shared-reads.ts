/**
 * One list call per account per Pulumi run: every resource of an account reads from the same answer, concurrent
 * readers wait for the same request, and a write to the account makes the next reader fetch again.
 */
export class SharedReads<T> {
  private readonly answers = new Map<string, Promise<T>>();

  constructor(private readonly fetch: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.fetch(key);
      this.answers.set(key, answer);
      // A failed read is not remembered: the next reader tries again.
      answer.catch(() => {
        if (this.answers.get(key) === answer) this.answers.delete(key);
      });
    }
    return answer;
  }

  invalidate(key: string): void {
    this.answers.delete(key);
  }
}
