import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type FaultSpec } from "../../emulator/index";
import { COFFEE, COMPONENT, HARBOUR, LIVE_CHAT, STORE_LOCATOR, expectError, expectOk, expectRefused, startHarness, type Harness } from "./harness";

let h: Harness;
let coffee: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  await h.emulator.reset();
  coffee = await h.stableToken(COFFEE);
  await h.client.clearCalls();
});

const list = () => h.post("/wxa/plugin", { action: "list" }, coffee);
const apply = (pluginAppId = LIVE_CHAT) => h.post("/wxa/plugin", { action: "apply", plugin_appid: pluginAppId }, coffee);
const addFault = (fault: FaultSpec) => h.client.addFault(fault);
/** The control surface over plain HTTP, for what its client cannot ask: unknown paths, wrong methods, bodies that are not JSON. */
const raw = async (method: string, path: string, body?: string) => {
  const response = await fetch(`${h.url}/__emulator/${path}`, { method, body });
  return { status: response.status, body: (await response.json()) as { error?: string } };
};

describe("health, state and reset", () => {
  it("reports health with the emulator's time", async () => {
    expect(await h.client.health()).toMatchObject({ status: "ok", now: expect.any(String) });
  });

  it("shows every binding and link in /__emulator/state", async () => {
    expectOk(await apply());
    const harbour = await h.stableToken(HARBOUR);
    expectOk(await h.post("/cgi-bin/wxopen/wxamplink", { appid: COFFEE, notify_users: 0, show_profile: 1 }, harbour));
    const state = await h.state();
    expect(state.bindings).toEqual([{ appId: COFFEE, pluginAppId: LIVE_CHAT, status: 2, reason: "", appliedAt: expect.any(String) }]);
    expect(state.links).toEqual([
      { officialAccountAppId: HARBOUR, miniProgramAppId: COFFEE, status: 12, unlinkPending: false, notifyUsers: false, showProfile: true },
    ]);
  });

  it("goes back to the seed on reset: no bindings, tokens, faults, calls or clock offset", async () => {
    expectOk(await apply());
    await addFault({ path: "/wxa/plugin", errcode: -1 });
    await h.advance(3600);
    await h.client.reset();
    const state = await h.state();
    expect(state.bindings).toEqual([]);
    expect(Math.abs(Date.parse(state.now) - Date.now())).toBeLessThan(5000);
    expectError(await list(), 40001);
    expect((await h.client.calls()).calls).toEqual([expect.objectContaining({ path: "/wxa/plugin", errcode: 40001 })]);
    coffee = await h.stableToken(COFFEE);
    expectOk(await list());
  });

  it("drops a call still in flight at a reset: it neither acts on the new world nor enters its call log", async () => {
    await addFault({ path: "/wxa/plugin", action: "apply", delayMs: 300, times: 1 });
    const held = apply();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await h.client.reset();
    await expect(held).rejects.toThrow();
    expect((await h.state()).bindings).toEqual([]);
    expect((await h.client.calls()).calls).toEqual([]);
  });

  it("answers 404 for unknown control paths and 405 for a wrong method", async () => {
    expect(await raw("GET", "nothing")).toEqual({ status: 404, body: { error: "/__emulator/nothing is not part of the control surface" } });
    expect(await raw("GET", "reset")).toEqual({ status: 405, body: { error: "GET is not supported on /__emulator/reset" } });
  });

  it("answers unknown WeChat paths with 404 and errcode 40066", async () => {
    const response = await fetch(`${h.url}/cgi-bin/unknown?access_token=${coffee}`, { method: "POST" });
    expect(response.status).toBe(404);
    expectError((await response.json()) as Record<string, unknown>, 40066);
  });
});

describe("the call log", () => {
  it("records each call's path, action, app id and errcode, with counts per path and action", async () => {
    await list();
    await list();
    await apply();
    await apply();
    await h.post("/cgi-bin/wxopen/wxamplinkget", {}, await h.stableToken(HARBOUR));
    const body = await h.client.calls();
    expect(body.counts).toEqual({
      "/wxa/plugin#list": 2,
      "/wxa/plugin#apply": 2,
      "/cgi-bin/stable_token": 1,
      "/cgi-bin/wxopen/wxamplinkget": 1,
    });
    expect(body.calls[3]).toEqual({ at: expect.any(String), path: "/wxa/plugin", action: "apply", appId: COFFEE, errcode: 89237, httpStatus: 200 });
    expect(body.calls[5]).toMatchObject({ path: "/cgi-bin/wxopen/wxamplinkget", appId: HARBOUR, errcode: 0 });
  });

  it("is emptied by DELETE /__emulator/calls", async () => {
    await list();
    await h.client.clearCalls();
    expect((await h.client.calls())).toEqual({ calls: [], counts: {} });
  });

  it("never contains a token, secret, verify ticket or refresh token", async () => {
    const secrets = [
      "mp-secret-coffee",
      "oa-secret-harbour",
      "plugin-secret-1",
      "component-secret-demo",
      "ticket@@@demo",
      `refreshtoken@@@${COFFEE}`,
      "wrong-secret-attempt",
    ];
    const tokens = [coffee, await h.stableToken(HARBOUR), await h.stableToken(STORE_LOCATOR), await h.componentToken(), await h.authorizerToken(COFFEE)];
    const tokenResponse = await fetch(`${h.url}/cgi-bin/token?grant_type=client_credential&appid=${COFFEE}&secret=mp-secret-coffee`);
    tokens.push(((await tokenResponse.json()) as { access_token: string }).access_token);
    await h.post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: COFFEE, secret: "wrong-secret-attempt" });
    await h.post(
      "/cgi-bin/component/api_authorizer_token",
      { component_appid: COMPONENT, authorizer_appid: COFFEE, authorizer_refresh_token: `refreshtoken@@@${COFFEE}` },
      tokens[3],
    );
    await h.post("/wxa/devplugin", { action: "dev_apply_list" }, tokens[2]);
    await h.post("/wxa/plugin", { action: "list" }, "an-unknown-token");
    const text = JSON.stringify((await h.client.calls()));
    expect(JSON.parse(text).calls.length).toBeGreaterThan(8);
    for (const value of [...secrets, ...tokens, "an-unknown-token"]) expect(text).not.toContain(value);
  });
});

describe("fault injection", () => {
  it("answers an injected WeChat error with its code and a request id, and logs the fault", async () => {
    const id = await addFault({ path: "/wxa/plugin", action: "apply", errcode: 45009 });
    expectError(await apply(), 45009);
    expectOk(await list());
    expect((await h.state()).bindings).toEqual([]);
    const body = await h.client.calls();
    expect(body.calls[0]).toMatchObject({ action: "apply", errcode: 45009, httpStatus: 200, fault: id });
  });

  it("fires only `times` times", async () => {
    await addFault({ path: "/wxa/plugin", errcode: -1, times: 2 });
    expectError(await list(), -1);
    expectError(await list(), -1);
    expectOk(await list());
  });

  it("never fires with probability 0", async () => {
    await addFault({ path: "/wxa/plugin", errcode: -1, probability: 0 });
    for (let i = 0; i < 10; i++) expectOk(await list());
  });

  it("answers an HTTP error page like a gateway for httpStatus", async () => {
    await addFault({ path: "/wxa/plugin", httpStatus: 502, times: 1 });
    const response = await fetch(`${h.url}/wxa/plugin?access_token=${coffee}`, { method: "POST", body: '{"action":"list"}' });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(await response.text()).toContain("502 Bad Gateway");
    expect((await h.client.calls()).calls[0]).toMatchObject({ errcode: null, httpStatus: 502 });
  });

  it("delays answers by delayMs", async () => {
    await addFault({ path: "/wxa/plugin", delayMs: 300, times: 1 });
    const started = Date.now();
    expectOk(await list());
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("drops the connection before acting", async () => {
    await addFault({ path: "/wxa/plugin", action: "apply", dropConnection: true, times: 1 });
    await expect(apply()).rejects.toThrow();
    expect((await h.state()).bindings).toEqual([]);
    expect((await h.client.calls()).calls[0]).toMatchObject({ action: "apply", errcode: null, httpStatus: null });
  });

  it("drops the connection after acting, so the apply succeeded but its answer was lost", async () => {
    await addFault({ path: "/wxa/plugin", action: "apply", dropConnection: "after", times: 1 });
    await expect(apply()).rejects.toThrow();
    expect((await h.state()).bindings).toEqual([expect.objectContaining({ pluginAppId: LIVE_CHAT, status: 2 })]);
    expectError(await apply(), 89237);
    expect((await h.client.calls()).calls[0]).toMatchObject({ errcode: 0, httpStatus: null });
  });

  it("injects token errors such as 42001 on any path", async () => {
    await addFault({ path: "/cgi-bin/wxopen/wxamplinkget", errcode: 42001, times: 1 });
    const harbour = await h.stableToken(HARBOUR);
    expectError(await h.post("/cgi-bin/wxopen/wxamplinkget", {}, harbour), 42001);
    expectOk(await h.post("/cgi-bin/wxopen/wxamplinkget", {}, harbour));
  });

  it("keeps several faults and clears them all with DELETE", async () => {
    await addFault({ path: "/wxa/plugin", action: "list", errcode: 45011 });
    await addFault({ path: "/wxa/plugin", action: "apply", errcode: -1 });
    expectError(await list(), 45011);
    expectError(await apply(), -1);
    await h.client.clearFaults();
    expectOk(await list());
    expectOk(await apply());
  });

  it("refuses a malformed fault with 400", async () => {
    for (const fault of [{ errcode: -1 }, { path: "/wxa/plugin" }, { path: "/wxa/plugin", times: 0, errcode: -1 }, { path: "/wxa/plugin", probability: 2, errcode: -1 }, { path: "/wxa/plugin", dropConnection: "sometimes" }]) {
      await expectRefused(addFault(fault as FaultSpec), 400);
    }
  });

  it("accepts each bound exactly and refuses what lies beyond it with 400, naming the field", async () => {
    const fault = { path: "/wxa/plugin", action: "apply" };
    for (const limit of [{ delayMs: 300_000 }, { times: 1_000_000, errcode: 45009 }, { errcode: 9_999_999 }, { httpStatus: 599 }, { probability: 0, errcode: -1 }]) {
      await addFault({ ...fault, ...limit });
    }
    await h.client.clearFaults();
    const beyond: Array<[object, RegExp]> = [
      [{ delayMs: 300_001 }, /delayMs must be a number from 0 to 300000/],
      [{ delayMs: 1e20 }, /delayMs/],
      [{ times: 1e20, errcode: 45009 }, /times must be a whole number from 1 to 1000000/],
      [{ errcode: 0 }, /errcode must be an error/],
      [{ errcode: -2 }, /errcode must be a whole number from -1 to 9999999/],
      [{ errcode: 1e20 }, /errcode/],
      [{ errcode: 45009.5 }, /errcode/],
      [{ httpStatus: 600 }, /httpStatus must be a whole number from 400 to 599/],
      [{ probability: -0.1, errcode: -1 }, /probability must be a number from 0 to 1/],
      [{ action: "x".repeat(257), errcode: -1 }, /action must be a non-empty string of at most 256 characters/],
      [{ errcode: -1, sometimes: true }, /sometimes is not a field of this request/],
    ];
    for (const [fields, message] of beyond) await expectRefused(addFault({ ...fault, ...fields }), 400, message);
    expectOk(await apply());
  });

  it("holds at most 100 faults at a time: the 101st is refused with 409 until they are cleared", async () => {
    for (let i = 0; i < 100; i++) await addFault({ path: "/wxa/plugin", action: "apply", errcode: 45009, probability: 0 });
    await expectRefused(addFault({ path: "/wxa/plugin", errcode: 45009 }), 409, /at most 100 faults/);
    await h.client.clearFaults();
    await addFault({ path: "/wxa/plugin", errcode: 45009, times: 1 });
  });

  it("answers a body that is not a JSON object with 400", async () => {
    for (const body of ["not json", "[1]", "42", '{"path": "/wxa/plugin", "delayMs": 1e400}']) {
      expect((await raw("POST", "faults", body)).status, body).toBe(400);
    }
  });
});

describe("the emulator's clock", () => {
  it("moves forward by advanceSeconds", async () => {
    const before = Date.parse((await h.state()).now);
    const now = await h.client.advanceClock(86400);
    expect(Date.parse(now) - before).toBeGreaterThanOrEqual(86400 * 1000);
    await expectRefused(h.client.advanceClock(-5), 400);
  });

  it("refuses an advance of 1e20 seconds with 400, and WeChat calls keep answering", async () => {
    await expectRefused(h.client.advanceClock(1e20), 400, /advanceSeconds must be a number from 0 to 31536000/);
    expect((await raw("POST", "clock", '{"advanceSeconds": 1e400}')).status).toBe(400);
    expectOk(await list());
  });

  it("stays within 100 years of real time, however many advances ask for more", async () => {
    for (let year = 0; year < 100; year++) await h.client.advanceClock(365 * 24 * 3600);
    await expectRefused(h.client.advanceClock(1), 400, /the clock is 36500 days ahead and stays within 36500 days/);
    coffee = await h.stableToken(COFFEE);
    expectOk(await list());
  });
});

describe("latency", () => {
  it("is refused beyond 300000 ms, as a fault's delay is", async () => {
    await expect(startEmulator({ latencyMs: 1e9 })).rejects.toThrow("latencyMs must be a number from 0 to 300000");
  });

  it("delays WeChat answers but not the control surface", async () => {
    const slow = await startHarness({ latencyMs: 150 });
    try {
      let started = Date.now();
      await slow.client.health();
      expect(Date.now() - started).toBeLessThan(140);
      started = Date.now();
      await slow.stableToken(COFFEE);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});

describe("EmulatorClient", () => {
  it("says which emulator it cannot reach, and why", async () => {
    const stopped = await startHarness();
    await stopped.close();
    await expect(stopped.client.health()).rejects.toThrow(/^GET http:\/\/127\.0\.0\.1:\d+\/__emulator\/health: the emulator cannot be reached: .*ECONNREFUSED/);
  });
});
