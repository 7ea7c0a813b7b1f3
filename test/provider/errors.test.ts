import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ErrCode, explain } from "../../provider/client/codes";
import { Emulator, seed } from "../support/emulator";
import { providersFor } from "../support/providers";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

// Adoption turns 89237 into success; every other code must reach the user as an actionable message.
const surfaced = Object.values(ErrCode).filter((code) => code !== ErrCode.Ok && code !== ErrCode.PluginAlreadyApplied);

describe("every WeChat code the provider maps", () => {
  it.each(surfaced)("turns %i into a message naming the call, account, plugin, code, meaning and what to do", async (code) => {
    // One attempt, no waiting: retried and renewed codes surface on their first answer.
    const { plugin } = providersFor(emulator.url, "thirdParty", { "wechat:maxAttempts": "1" });
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: code });
    const error: any = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }).catch((e) => e);
    const { meaning, action } = explain(code);
    expect(error.code).toBe("WECHAT_API_ERROR");
    expect(error.errcode).toBe(code);
    expect(error.message).toBe(
      `plugin apply for mini program ${seed.coffee} (plugin ${seed.liveChat}) failed: WeChat error ${code}: ${meaning}. What to do: ${action}.`,
    );
  });

  it("says plainly when WeChat answers a code it does not document", async () => {
    const { plugin } = providersFor(emulator.url);
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: 12345 });
    const error: any = await plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }).catch((e) => e);
    expect(error.message).toMatch(/WeChat error 12345: a code WeChat does not document\. What to do: check WeChat's error code list/);
  });
});
