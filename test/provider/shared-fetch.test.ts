import { describe, expect, it } from "vitest";
import { SharedFetch } from "../../provider/client/shared-fetch";

/** A fetch that counts its calls and settles when told to. */
function controlled<T>() {
  let calls = 0;
  let settle: { resolve: (value: T) => void; reject: (error: Error) => void } | undefined;
  const fetch = () => {
    calls++;
    return new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { fetch, calls: () => calls, resolve: (value: T) => settle!.resolve(value), reject: (error: Error) => settle!.reject(error) };
}

describe("SharedFetch", () => {
  it("gives every caller of a key the one fetch in flight, and its answer afterwards", async () => {
    const shared = new SharedFetch<string, number>();
    const fetch = controlled<number>();
    const first = shared.get("a", fetch.fetch);
    const second = shared.get("a", fetch.fetch);
    fetch.resolve(1);
    expect(await Promise.all([first, second, shared.get("a", fetch.fetch)])).toEqual([1, 1, 1]);
    expect(fetch.calls()).toBe(1);
  });

  it("forgets a failed fetch, so that the next caller tries again instead of inheriting the failure", async () => {
    const shared = new SharedFetch<string, number>();
    const fetch = controlled<number>();
    const failed = shared.get("a", fetch.fetch);
    fetch.reject(new Error("busy"));
    await expect(failed).rejects.toThrow("busy");
    const again = shared.get("a", fetch.fetch);
    fetch.resolve(2);
    expect(await again).toBe(2);
    expect(fetch.calls()).toBe(2);
  });

  it("forgets on request, and with a condition only an answer that has arrived and meets it", async () => {
    const shared = new SharedFetch<string, number>();
    const fetch = controlled<number>();
    const first = shared.get("a", fetch.fetch);
    shared.forget("a", () => true);
    expect(shared.peek("a")).toBe(first);
    fetch.resolve(1);
    await first;
    shared.forget("a", (value) => value === 2);
    expect(shared.peek("a")).toBe(first);
    shared.forget("a", (value) => value === 1);
    expect(shared.peek("a")).toBeUndefined();
    void shared.get("a", fetch.fetch);
    shared.forget("a");
    expect(shared.peek("a")).toBeUndefined();
    expect(fetch.calls()).toBe(2);
  });
});
