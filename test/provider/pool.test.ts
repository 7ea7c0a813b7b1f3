import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { inPool, limiter } from "../../provider/client/pool";

describe("a limit on tasks at once", () => {
  it("runs at most so many of the tasks given to it at once, from any caller, each to its own result", async () => {
    const limit = limiter(2);
    let running = 0;
    let most = 0;
    const task = (value: number) =>
      limit(async () => {
        running += 1;
        most = Math.max(most, running);
        await sleep(5);
        running -= 1;
        return value * 2;
      });
    // Six callers at once, as six shards of a pool of six would: two at a time get through.
    const results = await inPool([1, 2, 3, 4, 5, 6], 6, task);
    expect(results).toEqual([2, 4, 6, 8, 10, 12]);
    expect(most).toBe(2);
  });

  it("lets the next task in when one fails", async () => {
    const limit = limiter(1);
    await expect(limit(() => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    await expect(limit(() => Promise.resolve("next"))).resolves.toBe("next");
  });
});
