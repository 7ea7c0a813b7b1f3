import { Writable } from "node:stream";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "../../emulator/index";
import { CallLog } from "../../emulator/http/calls";
import { EventStreams } from "../../emulator/http/events";
import { BAKERY, BOOKS, COFFEE, HARBOUR, LIVE_CHAT, STORE_LOCATOR, expectOk, expectRefused, seedWith, startHarness, type Harness } from "../emulator/harness";

// What the console stands on: GET /__emulator/world, the event stream GET /__emulator/events, and the page's files.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ seed: seedWith((seed) => (seed.generate = { miniPrograms: 60, officialAccounts: 3 })) });
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const apply = async (miniProgram: string, plugin: string) =>
  expectOk(await h.post("/wxa/plugin", { action: "apply", plugin_appid: plugin }, await h.stableToken(miniProgram)));

interface Event {
  event: string;
  data: unknown;
}

/** An open event stream, read as a browser's EventSource would: `next()` resolves to the next event. */
async function openStream(url: string, query = ""): Promise<{ next(): Promise<Event>; close(): void; ended: Promise<void> }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/__emulator/events${query}`, { signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolve) => (ended = resolve));
  const next = async (): Promise<Event> => {
    for (;;) {
      const end = buffered.indexOf("\n\n");
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const fields = Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
        if (fields.event !== undefined) return { event: fields.event, data: JSON.parse(fields.data) };
        continue;
      }
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) {
        ended();
        throw new Error("the stream ended");
      }
      buffered += value;
    }
  };
  return { next, close: () => controller.abort(), ended: endedPromise };
}

describe("GET /__emulator/world", () => {
  it("lists the accounts something waits for first, then those with entries, then the rest, a page at a time", async () => {
    await apply(BAKERY, LIVE_CHAT);
    await apply(BOOKS, STORE_LOCATOR);
    const world = await h.client.world();
    expect(world.miniPrograms).toMatchObject({ total: 64, matching: 64, active: 2, offset: 0 });
    expect(world.miniPrograms.items).toHaveLength(25);
    expect(world.miniPrograms.items.slice(0, 3).map((account) => account.appId)).toEqual([BOOKS, BAKERY, COFFEE]);
    expect(world.miniPrograms.items[0]).toMatchObject({ nickname: "Riverside Books", username: "gh_b00c00000003", authorized: true, pluginLimit: 5 });
    const [pending] = world.miniPrograms.items[0].plugins;
    expect(pending).toMatchObject({ pluginAppId: STORE_LOCATOR, status: 1 });
    expect(Date.parse(pending.expiresAt!) - Date.parse(pending.appliedAt)).toBe(48 * 3600 * 1000);
    expect(world.miniPrograms.items[1].plugins[0]).not.toHaveProperty("expiresAt");
    expect(world.waiting.applications).toEqual({ total: 1, items: [pending] });
    expect(world.nicknames).toMatchObject({ [BOOKS]: "Riverside Books", [STORE_LOCATOR]: "Store Locator", wxf100000000000021: "Mini Program 21" });
    expect(world.platform).toEqual({ appId: "wx0c00000000000001", authorizedBy: { miniPrograms: 64, officialAccounts: 4, plugins: 0 } });
    expect(world.paths).toContain("/wxa/plugin");

    const last = await h.client.world({ miniProgramOffset: 50, limit: 20 });
    expect(last.miniPrograms.items.map((account) => account.appId)).toEqual(Array.from({ length: 14 }, (_, i) => `wxf1${String(47 + i).padStart(14, "0")}`));
  });

  it("shows invitations and unlinks waiting for an admin, the clock's advance and the faults with the calls they have left", async () => {
    const harbour = await h.stableToken(HARBOUR);
    expectOk(await h.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE, notify_users: 0, show_profile: 1 }, harbour));
    expectOk(await h.post("/cgi-bin/wxopen/wxamplink", { appid: BOOKS, notify_users: 0, show_profile: 0 }, harbour));
    await h.confirmLink(BOOKS, "officialAccount", true);
    await h.confirmLink(BOOKS, "miniProgram", true);
    expectOk(await h.post("/cgi-bin/wxopen/wxampunlink", { appid: BOOKS }, harbour));
    await h.client.addFault({ path: "/wxa/plugin", errcode: -1, times: 3 });
    await h.advance(7200);

    const world = await h.client.world();
    expect(world.waiting.links.items).toEqual([
      expect.objectContaining({ miniProgramAppId: COFFEE, status: 12 }),
      expect.objectContaining({ miniProgramAppId: BOOKS, status: 1, unlinkPending: true }),
    ]);
    expect(world.officialAccounts.items[0]).toMatchObject({ appId: HARBOUR, nickname: "Harbour Group", linkLimit: 13 });
    expect(world.aheadSeconds).toBe(7200);
    expect(world.faults).toEqual([{ id: expect.any(Number), path: "/wxa/plugin", errcode: -1, remaining: 3, probability: 1 }]);
  });

  it("narrows every list to the accounts whose app id, nickname or original id contains the search", async () => {
    await apply(COFFEE, STORE_LOCATOR);
    await apply(BAKERY, STORE_LOCATOR);
    const world = await h.client.world({ search: "BAKERY" });
    expect(world.miniPrograms).toMatchObject({ total: 64, matching: 1, items: [expect.objectContaining({ appId: BAKERY })] });
    expect(world.officialAccounts.matching).toBe(0);
    expect(world.waiting.applications.items.map((entry) => entry.appId)).toEqual([BAKERY]);
    expect((await h.client.world({ search: "gh_f10000000007" })).miniPrograms.items.map((account) => account.nickname)).toEqual(["Mini Program 7"]);
  });

  it("refuses a query outside its bounds, or a parameter it does not know", async () => {
    await expectRefused(h.client.world({ limit: 0 }), 400, /limit must be a whole number from 1 to 500/);
    await expectRefused(h.client.world({ limit: 501 }), 400, /limit/);
    const response = await fetch(`${h.url}/__emulator/world?offset=3`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "offset is not a field of this request (expected search, miniProgramOffset, officialAccountOffset, limit)" });
    expect((await fetch(`${h.url}/__emulator/world?miniProgramOffset=-1`)).status).toBe(400);
  });
});

describe("GET /__emulator/events", () => {
  it("starts with the newest calls, then sends each call and says when the world changed", async () => {
    await h.stableToken(COFFEE);
    await h.stableToken(BAKERY);
    const stream = await openStream(h.url);
    try {
      const backlog = await stream.next();
      expect(backlog).toEqual({ event: "calls", data: [expect.objectContaining({ appId: BAKERY }), expect.objectContaining({ appId: COFFEE })] });
      await apply(COFFEE, LIVE_CHAT);
      const seen = [await stream.next(), await stream.next(), await stream.next()];
      expect(seen).toEqual(
        expect.arrayContaining([
          { event: "call", data: expect.objectContaining({ path: "/cgi-bin/stable_token", appId: COFFEE }) },
          { event: "call", data: expect.objectContaining({ path: "/wxa/plugin", action: "apply", errcode: 0 }) },
          { event: "change", data: {} },
        ]),
      );
      await h.client.clearCalls();
      expect(await stream.next()).toEqual({ event: "calls", data: [] });
    } finally {
      stream.close();
    }
  });

  it("carries only the calls of the account and path asked for", async () => {
    await h.stableToken(COFFEE);
    await apply(BAKERY, LIVE_CHAT);
    const stream = await openStream(h.url, `?appId=B4CE&path=${encodeURIComponent("/wxa/plugin")}`);
    try {
      expect(await stream.next()).toEqual({ event: "calls", data: [expect.objectContaining({ appId: BAKERY, path: "/wxa/plugin" })] });
      await apply(COFFEE, STORE_LOCATOR);
      await apply(BAKERY, STORE_LOCATOR);
      let next = await stream.next();
      while (next.event === "change") next = await stream.next();
      expect(next).toEqual({ event: "call", data: expect.objectContaining({ appId: BAKERY, path: "/wxa/plugin", action: "apply" }) });
    } finally {
      stream.close();
    }
    expect((await fetch(`${h.url}/__emulator/events?account=x`)).status).toBe(400);
  });

  it("keeps neither reset() nor close() waiting: a reset empties the streams' logs, a close ends them", async () => {
    const emulator = await startEmulator();
    const stream = await openStream(emulator.url);
    expect(await stream.next()).toEqual({ event: "calls", data: [] });
    await emulator.reset();
    expect(await stream.next()).toEqual({ event: "calls", data: [] });
    expect(await stream.next()).toEqual({ event: "change", data: {} });
    const started = Date.now();
    await emulator.close();
    await expect(stream.next()).rejects.toThrow("the stream ended");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("cuts off a console that stops reading once 256 KiB wait unsent, rather than buffering without end", () => {
    const calls = new CallLog();
    const streams = new EventStreams(calls);
    // A reader that never takes anything: every write after the first waits in the response's buffer.
    const response = Object.assign(new Writable({ write: () => undefined }), { writeHead: () => undefined }) as unknown as ServerResponse;
    streams.open(response, {});
    let recorded = 0;
    while (!response.destroyed && recorded < 10_000) {
      calls.record({ at: new Date().toISOString(), path: "/wxa/plugin", action: "list", appId: COFFEE, errcode: 0, httpStatus: 200 });
      recorded++;
    }
    expect(response.destroyed).toBe(true);
    expect(response.writableLength).toBeGreaterThan(256 * 1024);
    expect(response.writableLength).toBeLessThan(257 * 1024);
    streams.close();
  });
});

describe("the console's files", () => {
  it("serves the page, its script and its style, which load nothing from elsewhere", async () => {
    const page = await fetch(`${h.url}/__emulator/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'; script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/__emulator/console/console.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${h.url}/__emulator/console/console.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).toContain('new EventSource(`/__emulator/events?');
    expect((await fetch(`${h.url}/__emulator/console/console.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${h.url}/__emulator/console/other.js`)).status).toBe(404);
    expect((await fetch(`${h.url}/__emulator/console`, { method: "POST" })).status).toBe(405);
    // The page reads no WeChat path: nothing enters the call log.
    expect((await h.client.calls()).calls).toEqual([]);
  });
});
