import { describe, expect, it } from "vitest";
import { ErrCode } from "../../provider/client/codes";
import { useEmulator, seed } from "../support/emulator";
import { failure, providersFor } from "../support/providers";

const emulator = useEmulator();

// Adoption turns 89237 into success; every other code must reach the user as an actionable message.
const surfaced = Object.values(ErrCode).filter((code) => code !== ErrCode.Ok && code !== ErrCode.PluginAlreadyApplied);

describe("every WeChat code the provider maps", () => {
  it.each(surfaced)("turns %i into a message naming the call, account, plugin, code, its own meaning and what to do", async (code) => {
    // One attempt, no waiting: transient codes surface on their first answer, token codes once the renewed token is
    // refused too.
    const { plugin } = providersFor(emulator.url, "thirdParty", { "wechat:maxAttempts": "1" });
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: code });
    const error = await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }));
    expect(error.code).toBe("WECHAT_API_ERROR");
    expect(error.errcode).toBe(code);
    expect(error.message).toMatch(new RegExp(`^plugin apply for mini program ${seed.coffee} \\(plugin ${seed.liveChat}\\) failed: WeChat error ${code}: .+\\. What to do: .+\\.$`));
    expect(error.message).not.toContain("a code WeChat does not document");
  });

  it.each([
    [
      45009,
      "plugin apply for mini program wxc0ffee0000000001 (plugin wx1000000000000002) failed: WeChat error 45009: the account's daily API quota is used up (retrying does not help). What to do: wait until the quota resets at midnight Beijing time, or clear it in the WeChat console, then run again.",
    ],
    [
      89239,
      "plugin apply for mini program wxc0ffee0000000001 (plugin wx1000000000000002) failed: WeChat error 89239: the plugin does not exist. What to do: check pluginAppId.",
    ],
    [
      61004,
      "plugin apply for mini program wxc0ffee0000000001 (plugin wx1000000000000002) failed: WeChat error 61004: this machine's IP address is not on the account's API allow-list. What to do: add this machine's public IP to the allow-list in the WeChat console (or the third-party platform's).",
    ],
    [
      12345,
      "plugin apply for mini program wxc0ffee0000000001 (plugin wx1000000000000002) failed: WeChat error 12345: a code WeChat does not document. What to do: check WeChat's error code list, then run again.",
    ],
  ])("says %i as: %s", async (code, message) => {
    const { plugin } = providersFor(emulator.url);
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: code });
    expect((await failure(plugin.create({ appId: seed.coffee, pluginAppId: seed.liveChat }))).message).toBe(message);
  });
});
