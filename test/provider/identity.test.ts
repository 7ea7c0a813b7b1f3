import { describe, expect, it } from "vitest";
import { accountOf, dynamicTypePrefix, linkId, parseLinkId, parsePluginId, pluginId, typeNameOf, urnName } from "../../provider/identity";

describe("resource identity", () => {
  it("builds and parses a binding's and a link's id, and refuses an id of another shape naming the expected one", () => {
    const binding = { appId: "wxc0ffee0000000001", pluginAppId: "wx1000000000000001" };
    const link = { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: "wxc0ffee0000000001" };
    expect(parsePluginId(pluginId(binding))).toEqual(binding);
    expect(parseLinkId(linkId(link))).toEqual(link);
    expect(accountOf(linkId(link))).toBe(link.officialAccountAppId);
    expect(() => parsePluginId("wxc0ffee0000000001")).toThrow('"wxc0ffee0000000001" is not a MiniProgramPlugin id; expected <appId>/<pluginAppId>');
    expect(() => parseLinkId("a/b/c")).toThrow('"a/b/c" is not an OfficialAccountLink id; expected <officialAccountAppId>/<miniProgramAppId>');
  });

  it("reads a URN's resource name, whose id-shaped name holds '/' and ':'-free parts, and knows only our type tokens", () => {
    const urn = `urn:pulumi:wechat-fleet-3::pulumi-wechat-fleet::${dynamicTypePrefix}MiniProgramPlugin::wxc0ffee0000000001/wx1000000000000001`;
    expect(urnName(urn)).toBe("wxc0ffee0000000001/wx1000000000000001");
    expect(typeNameOf(`${dynamicTypePrefix}OfficialAccountLink`)).toBe("OfficialAccountLink");
    expect(typeNameOf("wechat:index:MiniProgramPlugin")).toBe("MiniProgramPlugin");
    expect(typeNameOf("pulumi:providers:pulumi-nodejs")).toBeUndefined();
  });
});
