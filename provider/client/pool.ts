/**
 * Runs `task` on every item, at most `concurrency` at once, and returns the results in the items' order. Once `stop()`
 * holds, no new task starts and the items not started get no result. A task that throws also stops new ones; the
 * first error is thrown once the running tasks have settled, so that none is left running unobserved.
 */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<Array<R | undefined>> {
  const results: Array<R | undefined> = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !stop() && next < items.length) {
      const at = next++;
      try {
        results[at] = await task(items[at]);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/**
 * A limit of `concurrency` tasks at once, shared by whoever runs tasks through it, wherever they come from: for a cost
 * that only some steps of a larger task have (the fleet's Pulumi operations, within shards that mostly only read).
 */
export function limiter(concurrency: number): <R>(task: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
