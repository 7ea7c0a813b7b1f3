import { describe, expect, it, onTestFinished, vi } from "vitest";
import { PartialCreateError } from "../../provider/client/errors";
import * as runtime from "../../provider/runtime";
import { useEmulator, refreshTokens, seed } from "../support/emulator";
import { failure } from "../support/providers";

/* The entry points the `__provider` objects in the state call, as the dynamic-provider host calls them. */

const emulator = useEmulator();

function configure(values: Record<string, string>): void {
  runtime.configure({ get: (key) => values[key] });
}

const platform = () => ({
  "wechat:endpoint": emulator.url,
  "wechat:componentAppId": seed.component.appId,
  "wechat:componentAppSecret": seed.component.appSecret,
  "wechat:componentVerifyTicket": seed.component.verifyTicket,
  "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens()),
});

describe("the provider's entry points", () => {
  it("keeps __provider in what a partial create leaves in the state, so that later operations can load the provider", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => stderr.mockRestore());
    configure(platform());
    await emulator.wechat("/wxa/plugin", seed.coffee, seed.appSecrets[seed.coffee], { action: "apply", plugin_appid: seed.storeLocator });
    await emulator.developer("dev_agree", seed.storeLocator, seed.coffee);
    const inputs = { appId: seed.coffee, pluginAppId: seed.storeLocator, version: "3.0.0", adopt: true, __provider: "the provider's source" };
    const error = await failure(runtime.plugin.create(inputs));
    expect(error).toBeInstanceOf(PartialCreateError);
    expect(error).toMatchObject({ id: `${seed.coffee}/${seed.storeLocator}`, properties: { status: "approved", __provider: "the provider's source" } });
    expect(error.message).toMatch(/WeChat error 89257/);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/already at WeChat \(approved\); adopting it/));
  });

  it("shows a diff's warnings on stderr once per run, however often the engine diffs, and returns its result", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => stderr.mockRestore());
    const olds = { appId: seed.coffee, pluginAppId: seed.membership, status: "expired" as const, statusCode: 4, nickname: "", headImgUrl: "" };
    for (let diff = 0; diff < 2; diff++) {
      const result = await runtime.plugin.diff!("id", olds, { appId: seed.coffee, pluginAppId: seed.membership });
      expect(result).toEqual({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
    }
    expect(stderr.mock.calls).toEqual([[expect.stringMatching(/^warning: plugin wx1000000000000003 on mini program wxc0ffee0000000001: the application was left unanswered until it expired/)]]);
  });

  it("warns in check, for a new resource only, that a binding already at WeChat will fail its create", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => stderr.mockRestore());
    configure(platform());
    for (const plugin of [seed.delivery, seed.membership]) {
      await emulator.wechat("/wxa/plugin", seed.bakery, seed.appSecrets[seed.bakery], { action: "apply", plugin_appid: plugin });
    }
    const inState = { appId: seed.bakery, pluginAppId: seed.membership, __provider: "the provider's source" };
    expect((await runtime.plugin.check!(inState, inState)).failures).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
    const news = { appId: seed.bakery, pluginAppId: seed.delivery, __provider: "the provider's source" };
    const noOlds = {} as never; // what the engine sends for a resource that is not in the state
    expect((await runtime.plugin.check!(noOlds, news)).failures).toEqual([]);
    expect(stderr.mock.calls).toEqual([[expect.stringMatching(/^warning: plugin wx1000000000000005 on mini program wxb4ce000000000002: already in the mini program's plugin list at WeChat, waiting for the plugin developer .*`pulumi up` will fail to create it/)]]);
  });

  it("prints a failed read's or delete's error once: the provider host's own print of it is dropped, and nothing else", async () => {
    const print = vi.spyOn(console, "error").mockImplementation(() => undefined);
    onTestFinished(() => print.mockRestore());
    configure({ ...platform(), "wechat:maxAttempts": "1" });
    await emulator.fault({ path: "/wxa/plugin", action: "list", errcode: 45009 });
    const error = await failure(runtime.plugin.read!(`${seed.books}/${seed.reviews}`, {} as never));
    expect(error.message).toMatch(/^plugin list for mini program wxb00c000000000003 \(plugin wx1000000000000004\) failed: WeChat error 45009/);
    // What Pulumi's dynamic-provider host does with the error before returning it to the engine.
    console.error(`${String(error)}: ${error.stack}`);
    console.error("another line");
    expect(print.mock.calls).toEqual([["another line"]]);
  });

  it("turns configuration problems into check failures, before any WeChat call", async () => {
    configure({ "wechat:endpoint": "http://api.example.com" });
    const news = { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };
    const result = await runtime.link.check!(news, news);
    expect(result.failures).toEqual([{ property: "", reason: expect.stringMatching(/^wechat:endpoint \(or WECHAT_ENDPOINT\) must be an https:\/\/ URL/) }]);
    expect((await emulator.calls()).calls).toEqual([]);
  });
});
