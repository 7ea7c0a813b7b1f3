import { describe, expect, it } from "vitest";
import { envName, loadConfig } from "../../provider/config";

const load = (values: Record<string, string>, env: Record<string, string> = {}) => loadConfig((key) => values[key], env);

describe("configuration", () => {
  it("defaults to WeChat's production endpoint", () => {
    const loaded = load({});
    expect(loaded.ok && loaded.config.endpoint).toBe("https://api.weixin.qq.com");
  });

  it("reads each key from WECHAT_<KEY_IN_SNAKE_CASE> when the stack config lacks it, the stack config winning", () => {
    expect(envName("componentVerifyTicket")).toBe("WECHAT_COMPONENT_VERIFY_TICKET");
    const loaded = load({ "wechat:endpoint": "http://127.0.0.1:1" }, { WECHAT_ENDPOINT: "http://127.0.0.1:2", WECHAT_APP_SECRETS: '{"wxc0ffee0000000001":"s"}' });
    expect(loaded.ok && loaded.config.endpoint).toBe("http://127.0.0.1:1");
    expect(loaded.ok && loaded.config.appSecrets).toEqual({ wxc0ffee0000000001: "s" });
  });

  it("reads the token service's secret from wechat:tokenUrlSecret or WECHAT_TOKEN_URL_SECRET", () => {
    const fromEnv = load({ "wechat:tokenUrl": "http://127.0.0.1:1/token" }, { WECHAT_TOKEN_URL_SECRET: "from-env" });
    expect(fromEnv.ok && fromEnv.config.tokenUrlSecret).toBe("from-env");
    const unset = load({ "wechat:tokenUrl": "http://127.0.0.1:1/token" });
    expect(unset.ok && unset.config.tokenUrlSecret).toBeUndefined();
  });

  it("adopts existing bindings and links only when wechat:adopt or WECHAT_ADOPT says true", () => {
    for (const [values, env, adopt] of [
      [{}, {}, false],
      [{ "wechat:adopt": "true" }, {}, true],
      [{}, { WECHAT_ADOPT: "true" }, true],
      [{ "wechat:adopt": "false" }, { WECHAT_ADOPT: "true" }, false],
      [{}, { WECHAT_ADOPT: "TRUE" }, true],
    ] as const) {
      const loaded = load(values, env);
      expect(loaded.ok && loaded.config.adopt, JSON.stringify({ values, env })).toBe(adopt);
    }
    const wrong = load({}, { WECHAT_ADOPT: "yes" });
    expect(!wrong.ok && wrong.problems).toEqual(["wechat:adopt (or WECHAT_ADOPT) must be true or false"]);
  });

  it.each([
    [{ "wechat:endpoint": "http://api.example.com" }, /wechat:endpoint \(or WECHAT_ENDPOINT\) must be an https:\/\/ URL/],
    [{ "wechat:tokenUrl": "http://10.0.0.5/token" }, /wechat:tokenUrl .* must be an https:\/\/ URL/],
    [{ "wechat:accessTokens": "{not json" }, /wechat:accessTokens .* is not valid JSON/],
    [{ "wechat:appSecrets": '["a"]' }, /wechat:appSecrets .* must be a JSON object/],
    [{ "wechat:appSecrets": '{"shop":"s"}' }, /has a key that is not an app id: "shop"/],
    [{ "wechat:componentAppId": "wx0c00000000000001" }, /third-party platform credentials are incomplete: set wechat:componentAppSecret .*wechat:componentVerifyTicket/],
    [{ "wechat:authorizerRefreshTokens": '{"wxc0ffee0000000001":"r"}' }, /needs the third-party platform's componentAppId/],
    [{ "wechat:requestTimeoutMs": "soon" }, /wechat:requestTimeoutMs .* must be a positive whole number/],
  ])("refuses %j with a message naming the key and no secret", (values, message) => {
    const loaded = load(values);
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems.join("\n")).toMatch(message);
    expect(!loaded.ok && loaded.problems.join("\n")).not.toContain('"s"');
  });

  it("allows plain http only on loopback", () => {
    for (const endpoint of ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"]) expect(load({ "wechat:endpoint": endpoint }).ok).toBe(true);
  });
});
