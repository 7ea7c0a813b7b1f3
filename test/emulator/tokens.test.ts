import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BAKERY, COFFEE, COMPONENT, HARBOUR, STORE_LOCATOR, expectError, expectOk, seedWith, startHarness, type Harness, type Json } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const listPlugins = (token: string) => h.post("/wxa/plugin", { action: "list" }, token);

async function clientCredential(appId: string, secret: string) {
  const response = await fetch(`${h.url}/cgi-bin/token?grant_type=client_credential&appid=${appId}&secret=${secret}`);
  return (await response.json()) as Json;
}

describe("GET /cgi-bin/token", () => {
  it("mints a token, records the call and keeps the previous token only 5 more minutes", async () => {
    const first = await clientCredential(COFFEE, "mp-secret-coffee");
    expect(first).toMatchObject({ expires_in: 7200 });
    expect(first).not.toHaveProperty("errcode");
    const second = await clientCredential(COFFEE, "mp-secret-coffee");
    expect(second.access_token).not.toBe(first.access_token);

    expect((await h.client.calls()).counts["/cgi-bin/token"]).toBe(2);

    expectOk(await listPlugins(first.access_token));
    await h.advance(301);
    expectError(await listPlugins(first.access_token), 40001);
    expectOk(await listPlugins(second.access_token));
  });

  it("refuses an unknown appid with 40013, a wrong secret with 40125 and a wrong grant type with 40002", async () => {
    expectError(await clientCredential("wxunknown", "x"), 40013);
    expectError(await clientCredential(COFFEE, "wrong"), 40125);
    const response = await fetch(`${h.url}/cgi-bin/token?grant_type=password&appid=${COFFEE}&secret=mp-secret-coffee`);
    expectError((await response.json()) as Json, 40002);
  });
});

describe("POST /cgi-bin/stable_token", () => {
  const request = (extra: object = {}) =>
    h.post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: COFFEE, secret: "mp-secret-coffee", ...extra });

  it("returns the same token while it is valid, with the seconds it has left", async () => {
    const first = await request();
    await h.advance(100);
    const second = await request();
    expect(second.access_token).toBe(first.access_token);
    expect(second.expires_in).toBeLessThanOrEqual(7100);
    expect(second.expires_in).toBeGreaterThan(7090);
  });

  it("is not disturbed by GET /cgi-bin/token, whose tokens live apart", async () => {
    const stable = await request();
    await clientCredential(COFFEE, "mp-secret-coffee");
    await h.advance(600);
    expectOk(await listPlugins(stable.access_token));
    expect((await request()).access_token).toBe(stable.access_token);
  });

  it("rotates the token on force_refresh", async () => {
    const first = await request();
    const second = await request({ force_refresh: true });
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.expires_in).toBe(7200);
  });

  it("hands out a new token once the old one expired", async () => {
    const first = await request();
    await h.advance(7200);
    expectError(await listPlugins(first.access_token), 42001);
    const second = await request();
    expect(second.access_token).not.toBe(first.access_token);
    expectOk(await listPlugins(second.access_token));
  });

  it("refuses missing or wrong credentials", async () => {
    expectError(await h.post("/cgi-bin/stable_token", { grant_type: "client_credential", secret: "x" }), 41002);
    expectError(await h.post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: COFFEE }), 41004);
    expectError(await request({ appid: "wx-nobody" }), 40013);
    expectError(await request({ secret: "wrong" }), 40125);
    expectError(await request({ force_refresh: "yes" }), 47001);
  });
});

describe("checking the token of a call", () => {
  it("answers 41001 without a token, 40001 for an unknown one and 42001 once it expired", async () => {
    expectError(await h.post("/wxa/plugin", { action: "list" }), 41001);
    expectError(await listPlugins("not-a-token"), 40001);
    const token = await h.stableToken(COFFEE);
    await h.advance(7199);
    expectOk(await listPlugins(token));
    await h.advance(1);
    expectError(await listPlugins(token), 42001);
  });

  it("forgets a token dead for a day once another is minted: it then reads as unknown (40001)", async () => {
    const token = await h.stableToken(COFFEE);
    await h.advance(7200 + 24 * 3600 - 1);
    await h.stableToken(HARBOUR);
    expectError(await listPlugins(token), 42001);
    await h.advance(1);
    expectError(await listPlugins(token), 42001);
    await h.stableToken(BAKERY);
    expectError(await listPlugins(token), 40001);
  });

  it("answers 48001 when the token belongs to the wrong kind of account", async () => {
    expectError(await listPlugins(await h.stableToken(HARBOUR)), 48001);
    expectError(await h.post("/cgi-bin/wxopen/wxamplinkget", {}, await h.stableToken(COFFEE)), 48001);
    expectError(await h.post("/wxa/devplugin", { action: "dev_apply_list" }, await h.stableToken(COFFEE)), 48001);
    expectError(await listPlugins(await h.componentToken()), 48001);
  });

  it("accepts the mini program's authorizer token on /wxa/plugin", async () => {
    expectOk(await listPlugins(await h.authorizerToken(COFFEE)));
  });
});

describe("third-party platform tokens", () => {
  const component = { component_appid: COMPONENT, component_appsecret: "component-secret-demo", component_verify_ticket: "ticket@@@demo" };

  it("gives a component token for the right secret and verify ticket", async () => {
    const answer = await h.post("/cgi-bin/component/api_component_token", component);
    expect(answer).toMatchObject({ expires_in: 7200 });
    expect(answer.component_access_token).toBeTypeOf("string");
  });

  it("refuses an unknown component with 40013, a wrong secret with 40125 and a wrong ticket with 61006", async () => {
    const token = (extra: object) => h.post("/cgi-bin/component/api_component_token", { ...component, ...extra });
    expectError(await token({ component_appid: "wxother" }), 40013);
    expectError(await token({ component_appsecret: "wrong" }), 40125);
    expectError(await token({ component_verify_ticket: "ticket@@@stale" }), 61006);
    expectError(await token({ component_verify_ticket: undefined }), 47001);
  });

  it("gives an authorizer token with either token parameter and returns the same refresh token", async () => {
    const componentToken = await h.componentToken();
    for (const param of ["component_access_token", "access_token"]) {
      const answer = await h.post(
        "/cgi-bin/component/api_authorizer_token",
        { component_appid: COMPONENT, authorizer_appid: BAKERY, authorizer_refresh_token: `refreshtoken@@@${BAKERY}` },
        componentToken,
        param,
      );
      expect(answer).toMatchObject({ expires_in: 7200, authorizer_refresh_token: `refreshtoken@@@${BAKERY}` });
      expectOk(await listPlugins(answer.authorizer_access_token));
    }
  });

  it("refuses a wrong refresh token with 61023, an account that did not authorize with 61003 and a non-component token with 48001", async () => {
    const componentToken = await h.componentToken();
    const authorizer = (body: object, token = componentToken) =>
      h.post("/cgi-bin/component/api_authorizer_token", { component_appid: COMPONENT, ...body }, token, "component_access_token");
    expectError(await authorizer({ authorizer_appid: BAKERY, authorizer_refresh_token: "refreshtoken@@@stolen" }), 61023);
    expectError(await authorizer({ authorizer_appid: STORE_LOCATOR, authorizer_refresh_token: "x" }), 61003);
    expectError(await authorizer({ authorizer_appid: BAKERY, authorizer_refresh_token: "x" }, await h.stableToken(COFFEE)), 48001);
    expectError(await authorizer({ authorizer_appid: BAKERY }), 47001);
    expectError(
      await h.post("/cgi-bin/component/api_authorizer_token", { component_appid: COMPONENT, authorizer_appid: BAKERY, authorizer_refresh_token: "x" }),
      41001,
    );
  });

  it("expires the component token after expires_in", async () => {
    const componentToken = await h.componentToken();
    await h.advance(7200);
    const answer = await h.post(
      "/cgi-bin/component/api_get_authorizer_info",
      { component_appid: COMPONENT, authorizer_appid: COFFEE },
      componentToken,
      "component_access_token",
    );
    expectError(answer, 42001);
  });

  it("describes an authorizer with the seed's username as user_name", async () => {
    const answer = await h.post(
      "/cgi-bin/component/api_get_authorizer_info",
      { component_appid: COMPONENT, authorizer_appid: COFFEE },
      await h.componentToken(),
      "component_access_token",
    );
    expect(answer.authorizer_info).toMatchObject({ nick_name: "Harbour Coffee", user_name: "gh_c0ffee000001" });
    expect(answer.authorization_info).toMatchObject({ authorizer_appid: COFFEE });
  });
});

describe("a seed without a third-party platform", () => {
  it("answers component token requests with 40013", async () => {
    const bare = await startHarness({ seed: seedWith((seed) => delete seed.component) });
    try {
      const answer = await bare.post("/cgi-bin/component/api_component_token", {
        component_appid: COMPONENT,
        component_appsecret: "component-secret-demo",
        component_verify_ticket: "ticket@@@demo",
      });
      expectError(answer, 40013);
    } finally {
      await bare.close();
    }
  });
});
