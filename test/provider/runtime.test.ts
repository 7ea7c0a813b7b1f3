import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { PartialCreateError } from "../../provider/client/errors";
import * as runtime from "../../provider/runtime";
import { Emulator, refreshTokens, seed } from "../support/emulator";
import { failure } from "../support/providers";

/* The entry points the `__provider` objects in the state call, as the dynamic-provider host calls them. */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

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
    const inputs = { appId: seed.coffee, pluginAppId: seed.storeLocator, version: "3.0.0", __provider: "the provider's source" };
    const error = await failure(runtime.plugin.create(inputs));
    expect(error).toBeInstanceOf(PartialCreateError);
    expect(error).toMatchObject({ id: `${seed.coffee}/${seed.storeLocator}`, properties: { status: "approved", __provider: "the provider's source" } });
    expect(error.message).toMatch(/WeChat error 89257/);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/already applied for or added \(status approved\); adopting it/));
  });

  it("shows a diff's warnings on stderr and returns its result", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => stderr.mockRestore());
    const olds = { appId: seed.coffee, pluginAppId: seed.membership, status: "expired" as const, statusCode: 4, nickname: "", headImgUrl: "" };
    const result = await runtime.plugin.diff!("id", olds, { appId: seed.coffee, pluginAppId: seed.membership });
    expect(result).toEqual({ changes: true, replaces: ["status"], deleteBeforeReplace: true });
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/^warning: plugin wx1000000000000003 on mini program wxc0ffee0000000001: the application was left unanswered until it expired/));
  });

  it("turns configuration problems into check failures, before any WeChat call", async () => {
    configure({ "wechat:endpoint": "http://api.example.com" });
    const news = { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false };
    const result = await runtime.link.check!(news, news);
    expect(result.failures).toEqual([{ property: "", reason: expect.stringMatching(/^wechat:endpoint \(or WECHAT_ENDPOINT\) must be an https:\/\/ URL/) }]);
    expect((await emulator.calls()).calls).toEqual([]);
  });
});
