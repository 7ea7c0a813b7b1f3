import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { redactUrl } from "../../provider/client/errors";
import { useEmulator, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";
import { startFakeWeChat } from "./fake-wechat";

const emulator = useEmulator();

const counts = async () => (await emulator.calls()).counts;

describe("one list call per account per run", () => {
  it("serves concurrent reads of one mini program from a single list call and a single token", async () => {
    const setup = providersFor(emulator.url);
    const plugins = [seed.liveChat, seed.reviews];
    const created = await Promise.all(plugins.map((p) => setup.plugin.create({ appId: seed.coffee, pluginAppId: p })));
    await emulator.clearCalls();

    const { plugin } = providersFor(emulator.url); // a fresh run, as `pulumi refresh` is
    const reads = await Promise.all([...created, ...created, ...created].map(({ id, outs }) => plugin.read(id, outs)));
    expect(reads.every((r) => r.id !== "")).toBe(true);
    expect(await counts()).toEqual({
      "/wxa/plugin#list": 1,
      "/cgi-bin/component/api_component_token": 1,
      "/cgi-bin/component/api_authorizer_token": 1,
    });
  });

  it("makes one list call per mini program and per official account", async () => {
    const { plugin, link } = providersFor(emulator.url);
    await Promise.all(
      [seed.coffee, seed.bakery, seed.books].flatMap((appId) => [plugin.read(`${appId}/${seed.liveChat}`, {}), plugin.read(`${appId}/${seed.reviews}`, {})]),
    );
    await Promise.all([seed.coffee, seed.bakery].map((mp) => link.read(`${seed.officialAccount}/${mp}`, {})));
    const c = await counts();
    expect(c["/wxa/plugin#list"]).toBe(3);
    expect(c["/cgi-bin/wxopen/wxamplinkget"]).toBe(1);
  });

  it("shares one list before and one taken after all of them between concurrent creates on one mini program", async () => {
    const { plugin } = providersFor(emulator.url);
    const created = await Promise.all(
      [seed.liveChat, seed.reviews, seed.storeLocator].map((p) => plugin.create({ appId: seed.coffee, pluginAppId: p })),
    );
    expect(created.map((c) => c.outs.status)).toEqual(["approved", "approved", "applying"]);
    const c = await counts();
    expect(c["/wxa/plugin#apply"]).toBe(3);
    expect(c["/wxa/plugin#list"]).toBe(2);
  });

  it("shares one link list between the deletes of one official account, even one after another", async () => {
    const setup = providersFor(emulator.url);
    const mps = [seed.coffee, seed.bakery, seed.books];
    const created = [];
    for (const mp of mps) created.push(await setup.link.create({ officialAccountAppId: seed.officialAccount, miniProgramAppId: mp, notifyUsers: false, showProfile: false }));
    await emulator.clearCalls();

    const { link } = providersFor(emulator.url); // a fresh run, as `pulumi destroy` is
    for (const { id, outs } of created) await link.delete(id, outs);
    const c = await counts();
    expect(c["/cgi-bin/wxopen/wxampunlink"]).toBe(3);
    expect(c["/cgi-bin/wxopen/wxamplinkget"]).toBe(1);
    expect((await providersFor(emulator.url).link.read(created[2].id, created[2].outs)).id).toBe("");
  });

  it("lists again after a write to the same account", async () => {
    const { plugin } = providersFor(emulator.url);
    await plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat });
    expect((await plugin.read(`${seed.coffee}/${seed.liveChat}`, {})).id).not.toBe("");
    expect((await counts())["/wxa/plugin#list"]).toBe(2);
  });

  it("never calls /cgi-bin/token, whose every call breaks the tokens other services hold", async () => {
    for (const credentials of ["thirdParty", "appSecrets"] as const) {
      const { plugin } = providersFor(emulator.url, credentials);
      await plugin.create({ appId: seed.books, pluginAppId: seed.reviews });
      await plugin.delete("", { appId: seed.books, pluginAppId: seed.reviews } as never);
    }
    expect((await counts())["/cgi-bin/token"]).toBeUndefined();
  });
});

describe("tokens", () => {
  it("fetches a new token once when WeChat says the cached one expired (42001) and retries the call", async () => {
    const { plugin } = providersFor(emulator.url, "appSecrets");
    await plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    await emulator.advanceClock(7300);
    await Promise.all([seed.coffee, seed.bakery].map((mp) => plugin.create({ appId: mp, pluginAppId: seed.liveChat })));
    const { calls } = await emulator.calls();
    expect(calls.filter((c) => c.errcode === 42001).length).toBe(1);
    // One token per account before the expiry, one after.
    expect(calls.filter((c) => c.path === "/cgi-bin/stable_token").map((c) => c.appId).sort()).toEqual([seed.bakery, seed.coffee, seed.coffee].sort());
  });

  it("renews once on an injected 40001 and gives up with the code if the new token is refused too", async () => {
    const { plugin } = providersFor(emulator.url);
    await emulator.fault({ path: "/wxa/plugin", action: "list", errcode: 40001, times: 1 });
    expect((await plugin.read(`${seed.coffee}/${seed.liveChat}`, {})).id).toBe("");
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: 40001 });
    const error = await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }));
    expect(error.message).toMatch(/plugin apply for mini program wxc0ffee0000000001 \(plugin wx1000000000000002\) failed: WeChat error 40001/);
    expect((await counts())["/wxa/plugin#apply"]).toBe(2);
  });

  it("uses a central token service (wechat:tokenUrl), asking it once per app id with wechat:tokenUrlSecret as a bearer token", async () => {
    const asked: string[] = [];
    const presented: Array<string | undefined> = [];
    const service = http.createServer((req, res) => {
      const appId = new URL(req.url!, "http://x").searchParams.get("appid")!;
      asked.push(appId);
      presented.push(req.headers.authorization);
      void fetch(`${emulator.url}/cgi-bin/stable_token`, {
        method: "POST",
        body: JSON.stringify({ grant_type: "client_credential", appid: appId, secret: seed.appSecrets[appId] }),
      })
        .then((answer) => answer.json() as Promise<{ access_token: string }>)
        .then(({ access_token }) => res.setHeader("content-type", "application/json").end(JSON.stringify({ access_token, expires_in: 7200 })));
    });
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    try {
      const tokenUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}/token`;
      const { plugin } = providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": "", "wechat:tokenUrl": tokenUrl, "wechat:tokenUrlSecret": "per-run-secret" });
      await Promise.all([seed.liveChat, seed.reviews].map((p) => plugin.create({ appId: seed.coffee, pluginAppId: p })));
      expect(asked).toEqual([seed.coffee]);
      expect(presented).toEqual(["Bearer per-run-secret"]);
    } finally {
      service.close();
    }
  });

  it("takes a token service's answer as final, a failure included (it retried WeChat itself), and retries only a connection it dropped", async () => {
    const answers = [
      (res: http.ServerResponse) => res.socket!.destroy(),
      (res: http.ServerResponse) => res.writeHead(502).end(),
      (res: http.ServerResponse) => res.setHeader("content-type", "application/json").end(JSON.stringify({ errcode: -1, errmsg: "system busy" })),
    ];
    let asked = 0;
    const service = http.createServer((_req, res) => answers[Math.min(asked++, answers.length - 1)](res));
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", resolve));
    try {
      const tokenUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}/token`;
      const { plugin } = providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": "", "wechat:tokenUrl": tokenUrl, "wechat:maxAttempts": "8" });
      const unavailable = await failure(plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
      expect(unavailable.message).toMatch(/^fetching an access token \(tokenUrl\) for mini program wxc0ffee0000000001 .*failed: .*HTTP 502/);
      expect(asked).toBe(2);
      const busy = await failure(plugin.read(`${seed.coffee}/${seed.reviews}`, {}));
      expect(busy.message).toMatch(/failed: WeChat error -1/);
      expect(asked).toBe(3);
    } finally {
      service.close();
    }
  });

  it("reports a static token from wechat:accessTokens that WeChat refuses, without renewing or printing it", async () => {
    const token = "static-token-that-is-not-valid";
    const { plugin } = providersFor(emulator.url, "appSecrets", { "wechat:appSecrets": "", "wechat:accessTokens": JSON.stringify({ [seed.coffee]: token }) });
    const error = await failure(plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.message).toMatch(/WeChat error 40001/);
    expect(error.message).not.toContain(token);
    expect((await counts())["/wxa/plugin#list"]).toBe(1);
  });
});

describe("retries", () => {
  it("retries system busy (-1), HTTP 502, dropped connections and slow answers, then succeeds", async () => {
    const { plugin } = providersFor(emulator.url, "thirdParty", { "wechat:requestTimeoutMs": "300" });
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: -1, times: 2 });
    await emulator.fault({ path: "/wxa/plugin", action: "list", httpStatus: 502, times: 1 });
    await emulator.fault({ path: "/wxa/plugin", action: "list", dropConnection: true, times: 1 });
    await emulator.fault({ path: "/wxa/plugin", action: "list", delayMs: 1000, times: 1 });
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat });
    expect(outs.status).toBe("approved");
    const c = await counts();
    expect(c["/wxa/plugin#apply"]).toBe(3);
    // The slow answer is logged only when the emulator finally sends it, after the client gave up on it.
    expect(c["/wxa/plugin#list"]).toBeGreaterThanOrEqual(3);
  });

  it("adopts when an apply succeeded but its answer was lost, leaving one application", async () => {
    const { plugin, warnings } = providersFor(emulator.url);
    await emulator.fault({ path: "/wxa/plugin", action: "apply", dropConnection: "after", times: 1 });
    const { outs } = await plugin.create({ appId: seed.coffee, pluginAppId: seed.storeLocator });
    expect(outs.status).toBe("applying");
    expect(warnings.join()).toMatch(/adopting/);
    expect((await emulator.state()).bindings).toHaveLength(1);
  });

  it("gives up after wechat:maxAttempts attempts", async () => {
    const { plugin } = providersFor(emulator.url, "thirdParty", { "wechat:maxAttempts": "3" });
    await emulator.fault({ path: "/wxa/plugin", action: "list", errcode: -1 });
    const error = await failure(plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    // The list is the mini program's, shared by its resources: each one's failure names its own plugin.
    expect(error.message).toMatch(/^plugin list for mini program wxc0ffee0000000001 \(plugin wx1000000000000002\) failed: WeChat error -1: WeChat is busy/);
    expect((await counts())["/wxa/plugin#list"]).toBe(3);
  });

  it("fails at once on the daily quota (45009) with what to do", async () => {
    const { plugin } = providersFor(emulator.url);
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: 45009 });
    const error = await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }));
    expect(error.message).toMatch(/45009: the account's daily API quota is used up.*What to do: wait until the quota resets/);
    expect((await counts())["/wxa/plugin#apply"]).toBe(1);
  });

  it("waits for the next minute on the per-minute quota (45011), within its bound", async () => {
    const waits: number[] = [];
    const { plugin } = providersFor(emulator.url, "thirdParty", {}, {
      minuteQuotaWaitMs: 65_000,
      sleep: (ms) => Promise.resolve(void waits.push(ms)),
    });
    await emulator.fault({ path: "/wxa/plugin", action: "list", errcode: 45011, times: 1 });
    await plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(60_250);
  });

  it("names the endpoint, with the token redacted, when it answers something that is not WeChat", async () => {
    const { plugin } = providersFor(emulator.url, "thirdParty", { "wechat:maxAttempts": "1" });
    await emulator.fault({ path: "/wxa/plugin", action: "list", httpStatus: 502 });
    const error = await failure(plugin.read(`${seed.coffee}/${seed.liveChat}`, {}));
    expect(error.message).toMatch(/HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/wxa\/plugin\?access_token=REDACTED$/);
    expect(error.code).toBe("WECHAT_HTTP_ERROR");
  });
});

describe("odd answers", () => {
  it("reads errcode sent as a string and ignores fields it does not know", async () => {
    let lists = 0;
    const wechat = await startFakeWeChat(() =>
      ++lists === 1
        ? { errcode: "-1", errmsg: "system error rid: 1-2-3" }
        : { errcode: "0", errmsg: "ok", plugin_list: [{ appid: seed.liveChat, status: "2", nickname: "Live Chat", headimgurl: "", extra: 1 }], apply_list: [] },
    );
    try {
      const { plugin } = providersFor(wechat.url, "appSecrets");
      const read = await plugin.read(`${seed.coffee}/${seed.liveChat}`, {});
      expect(read.props).toMatchObject({ status: "approved", statusCode: 2 });
    } finally {
      await wechat.close();
    }
  });

  it("redacts every credential-bearing query parameter", () => {
    expect(redactUrl("https://api.weixin.qq.com/x?access_token=abc&component_access_token=def&appid=wx1&secret=s")).toBe(
      "https://api.weixin.qq.com/x?access_token=REDACTED&component_access_token=REDACTED&appid=wx1&secret=REDACTED",
    );
  });
});
