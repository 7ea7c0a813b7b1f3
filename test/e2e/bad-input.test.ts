import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshTokens, seed, useEmulator } from "../support/emulator";
import { Project, thirdPartyConfig, type Result, type Spec } from "./project";

/*
 * Malformed programs and configurations, each run with `pulumi up` on the real CLI. Each must fail with one error that
 * names the resource and the property (or configuration key) at fault, with no stack trace and no secret, and without
 * a single call reaching WeChat: the emulator's call log stays empty from the first case to the last.
 */

const emulator = useEmulator({ reset: false });
/** Stands where WeChat should be and answers what a misconfigured proxy or a wrong URL would. */
let impostor: Server;
let impostorUrl: string;
let impostorCalls = 0;

beforeAll(async () => {
  impostor = createServer((request, response) => {
    impostorCalls++;
    const [, kind] = request.url!.split("/");
    const answers: Record<string, [number, string, string]> = {
      html: [200, "text/html", "<html><body><h1>Welcome to nginx!</h1></body></html>"],
      errcode: [200, "application/json", '{"errcode":"busy","errmsg":"?"}'],
    };
    const [status, type, body] = answers[kind] ?? [404, "text/html", "<html>404 Not Found</html>"];
    response.writeHead(status, { "content-type": type });
    response.end(body);
  });
  await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
  impostorUrl = `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => impostor.close(resolve)));

const secrets = [
  seed.component.appSecret,
  seed.component.verifyTicket,
  ...Object.values(refreshTokens()),
  ...Object.values(seed.appSecrets),
  // A 32-hex AppSecret given, by mistake, as a key of wechat:appSecrets.
  "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f12",
];

const plugin = (inputs: Record<string, unknown>): Spec => ({ plugins: { shop: { appId: seed.coffee, pluginAppId: seed.liveChat, ...inputs } } });
const link = (inputs: Record<string, unknown>): Spec => ({ links: { harbour: { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee, ...inputs } } });
const without = (spec: Spec, key: string): Spec => {
  const [kind, resources] = Object.entries(spec)[0] as [keyof Spec, Record<string, Record<string, unknown>>];
  const [name, inputs] = Object.entries(resources)[0];
  const { [key]: _, ...rest } = inputs;
  return { [kind]: { [name]: rest } };
};

interface Case {
  /** What is wrong, as the test name says it. */
  what: string;
  spec: Spec;
  /** Replaces the default credentials (third-party platform). */
  config?: Record<string, string>;
  endpoint?: () => string;
  /** The resource's one error, as the CLI prints it. */
  error: RegExp;
}

const pluginType = "pulumi-nodejs:dynamic/wechat:MiniProgramPlugin";
const linkType = "pulumi-nodejs:dynamic/wechat:OfficialAccountLink";
const property = (type: string, name: string, key: string) => `${type} resource '${name}': property ${key} value {.*} has a problem: `;
const configuration = (name: string) => `${pluginType} resource '${name}' has a problem: `;
const rx = (prefix: string, rest: string) => new RegExp(`error: ${prefix}${rest}`);

const inputCases: Case[] = [
  { what: "an app id that is too short", spec: plugin({ appId: "wx123" }), error: rx(property(pluginType, "shop", "appId"), 'appId must be an app id: wx followed by 16 lowercase hex digits; got "wx123"') },
  { what: "an empty app id", spec: plugin({ appId: "" }), error: rx(`${pluginType} resource 'shop': property appId `, ".*appId must be an app id: wx followed by 16 lowercase hex digits; got an empty string") },
  { what: "a missing app id", spec: without(plugin({}), "appId"), error: rx(`${pluginType} resource 'shop': property appId `, ".*appId is required") },
  { what: "a plugin app id with a letter beyond f", spec: plugin({ pluginAppId: "wx100000000000000g" }), error: rx(property(pluginType, "shop", "pluginAppId"), "pluginAppId must be an app id") },
  { what: "a version that is a word", spec: plugin({ version: "latest" }), error: rx(property(pluginType, "shop", "version"), 'version must be a version x.y.z, e.g. 2.2.46; got "latest"') },
  { what: "a version that is a number", spec: plugin({ version: 1 }), error: rx(property(pluginType, "shop", "version"), "version must be a version x.y.z, e.g. 2.2.46; got number 1") },
  { what: "an empty reason", spec: plugin({ reason: "" }), error: rx(`${pluginType} resource 'shop': property reason `, ".*reason must be a non-empty string; got an empty string") },
  { what: "a misspelt property", spec: plugin({ versoin: "1.4.2" }), error: rx(property(pluginType, "shop", "versoin"), 'unknown property "versoin"; expected appId, pluginAppId, version, reason') },
  {
    what: "a mini program no credential serves",
    spec: plugin({ appId: "wxffffffffffffffff" }),
    error: rx(property(pluginType, "shop", "appId"), "no credential for wxffffffffffffffff: set one of wechat:accessTokens"),
  },
  { what: "an official account id that is an original id", spec: link({ officialAccountAppId: "gh_0a0000000001" }), error: rx(property(linkType, "harbour", "officialAccountAppId"), "officialAccountAppId must be an app id") },
  { what: "notifyUsers as a string", spec: link({ notifyUsers: "yes" }), error: rx(property(linkType, "harbour", "notifyUsers"), 'notifyUsers must be true or false; got "yes"') },
  { what: "an app id given as the username", spec: link({ miniProgramUsername: seed.coffee }), error: rx(property(linkType, "harbour", "miniProgramUsername"), "miniProgramUsername must be a mini program original id: gh_") },
];

const valid = plugin({});
const configCases: Case[] = [
  { what: "a plain-http endpoint off this machine", spec: valid, endpoint: () => "http://api.weixin.qq.com", error: rx(configuration("shop"), "wechat:endpoint \\(or WECHAT_ENDPOINT\\) must be an https:// URL \\(plain http is allowed only for 127\\.0\\.0\\.1, localhost and \\[::1\\]\\)") },
  // 0.0.0.0 reaches this machine's listeners, the emulator's among them, yet is not a loopback name: refused all the same.
  { what: "a plain-http endpoint at 0.0.0.0", spec: valid, endpoint: () => emulator.url.replace("127.0.0.1", "0.0.0.0"), error: rx(configuration("shop"), "wechat:endpoint \\(or WECHAT_ENDPOINT\\) must be an https:// URL") },
  { what: "an endpoint that is not a URL", spec: valid, endpoint: () => "api.weixin.qq.com", error: rx(configuration("shop"), "wechat:endpoint \\(or WECHAT_ENDPOINT\\) is not a URL") },
  { what: "a plain-http token service off this machine", spec: valid, config: { ...thirdPartyConfig(), "wechat:tokenUrl": "http://tokens.example.com/token" }, error: rx(configuration("shop"), "wechat:tokenUrl \\(or WECHAT_TOKEN_URL\\) must be an https:// URL") },
  { what: "refresh tokens that are not JSON", spec: valid, config: { ...thirdPartyConfig(), "wechat:authorizerRefreshTokens": "{wxc0ffee0000000001: refreshtoken@@@wxc0ffee0000000001" }, error: rx(configuration("shop"), 'wechat:authorizerRefreshTokens \\(or WECHAT_AUTHORIZER_REFRESH_TOKENS\\) is not valid JSON; expected an object \\{"<appId>": "<value>"\\}') },
  {
    what: "app secrets written the wrong way round",
    spec: valid,
    config: { "wechat:appSecrets": JSON.stringify({ "5f3c1e9a7b2d4c6e8f0a1b3c5d7e9f12": seed.coffee }) },
    error: rx(configuration("shop"), "wechat:appSecrets \\(or WECHAT_APP_SECRETS\\) has a key that is not an app id \\(32 characters, not shown in case it is a secret; are keys and values swapped\\?\\)"),
  },
  { what: "third-party platform credentials without the secret", spec: valid, config: { ...thirdPartyConfig(), "wechat:componentAppSecret": "" }, error: rx(configuration("shop"), "third-party platform credentials are incomplete: set wechat:componentAppSecret \\(or WECHAT_COMPONENT_APP_SECRET\\)") },
  { what: "no credentials at all", spec: valid, config: {}, error: rx(property(pluginType, "shop", "appId"), `no credential for ${seed.coffee}`) },
  { what: "zero attempts", spec: valid, config: { ...thirdPartyConfig(), "wechat:maxAttempts": "0" }, error: rx(configuration("shop"), "wechat:maxAttempts \\(or WECHAT_MAX_ATTEMPTS\\) must be a positive whole number") },
];

/**
 * Endpoints that answer, but not as WeChat does: never retried, none to WeChat. Two calls each to the impostor: the
 * look-up `check` makes for a new plugin (its failure is left to the create) and the create's own.
 */
const answerCases: Case[] = [
  { what: "an endpoint that answers an HTML page", spec: valid, endpoint: () => `${impostorUrl}/html`, error: /error: fetching the third-party platform's component token for third-party platform wx0c00000000000001 failed: http:\/\/127\.0\.0\.1:\d+\/html\/cgi-bin\/component\/api_component_token did not answer with WeChat's JSON \(is wechat:endpoint right\?\)/ },
  { what: "an endpoint whose errcode is not a number", spec: valid, endpoint: () => `${impostorUrl}/errcode`, error: /http:\/\/127\.0\.0\.1:\d+\/errcode\/cgi-bin\/component\/api_component_token answered with an errcode that is not a number/ },
  { what: "an endpoint that answers 404 pages", spec: valid, endpoint: () => `${impostorUrl}/nowhere`, error: /failed: HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/nowhere\/cgi-bin\/component\/api_component_token/ },
];

function resourceName(spec: Spec): string {
  return Object.keys(spec.plugins ?? spec.links ?? {})[0];
}

/** The "Diagnostics:" section: for each "<type> (<name>):" header, the messages under it. */
function diagnostics(text: string): Record<string, string> {
  const section = text.slice(text.indexOf("\nDiagnostics:\n"));
  const blocks: Record<string, string> = {};
  let header: string | undefined;
  for (const line of section.split("\n").slice(2)) {
    if (/^\S/.test(line)) break;
    const match = /^ {2}(\S.*):$/.exec(line);
    if (match) blocks[(header = match[1])] = "";
    else if (header) blocks[header] += `${line}\n`;
  }
  return blocks;
}

function expectOneCleanError(result: Result, spec: Spec, error: RegExp): void {
  const text = result.stdout + result.stderr;
  expect(result.code, text).not.toBe(0);
  const name = resourceName(spec);
  const type = spec.plugins ? pluginType : linkType;
  const block = diagnostics(text)[`${type} (${name})`];
  expect(block, text).toBeDefined();
  expect(block.match(/^ {4}error: /gm), block).toHaveLength(1);
  expect(block).toMatch(error);
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(text).not.toContain("[secret]");
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** Three runs at a time: a run leaves its core idle while processes start; more only make them slower together. */
let running = 0;
const waiting: Array<() => void> = [];
async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  if (running >= 3) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function run(kase: Case): Promise<Result> {
  return inTurn(async () => {
    const project = await Project.create("bad", kase.endpoint?.() ?? emulator.url, kase.config ?? thirdPartyConfig());
    project.write(kase.spec);
    return project.run(["up", "--yes", "--skip-preview"]);
  });
}

describe.concurrent("malformed inputs and configuration fail with one clear error and no call to WeChat", () => {
  it.each(inputCases.map((c) => [c.what, c] as const))("refuses %s", async (_what, kase) => {
    expectOneCleanError(await run(kase), kase.spec, kase.error);
  });

  it.each(configCases.map((c) => [c.what, c] as const))("refuses %s", async (_what, kase) => {
    expectOneCleanError(await run(kase), kase.spec, kase.error);
  });

  it.each(answerCases.map((c) => [c.what, c] as const))("fails at the first answer from %s", async (_what, kase) => {
    expectOneCleanError(await run(kase), kase.spec, kase.error);
  });

  it("lets a value that is unknown during preview pass, then refuses it once known, naming the resource and property", async () => {
    await inTurn(async () => {
      const project = await Project.create("unknown", emulator.url);
      // The app id comes from another resource: unknown while previewing a new stack, known (and wrong) when applying.
      writeFileSync(
        join(project.dir, "index.js"),
        `
const pulumi = require("@pulumi/pulumi");
const { MiniProgramPlugin } = require("pulumi-wechat");
const source = new pulumi.dynamic.Resource({ async create() { return { id: "source", outs: { appId: "wx-from-elsewhere" } }; } }, "source", { appId: undefined });
new MiniProgramPlugin("fromOutput", { appId: source.appId, pluginAppId: "${seed.liveChat}" });
`,
      );
      const preview = await project.must(["preview"]);
      expect(preview.stdout).toMatch(/\+ 3 to create/);
      const result = await project.run(["up", "--yes", "--skip-preview"]);
      expectOneCleanError(result, { plugins: { fromOutput: {} } }, rx(property(pluginType, "fromOutput", "appId"), 'appId must be an app id: .*; got "wx-from-elsewhere"'));
    });
  });
});

describe("after every malformed case", () => {
  it("WeChat received no call at all, and each impostor endpoint two: check's look-up and the create's", async () => {
    expect((await emulator.calls()).calls).toEqual([]);
    expect(impostorCalls).toBe(answerCases.length * 2);
  });
});

describe("a configuration broken after the stack was created", () => {
  it("fails refresh with one message naming the key, without a stack trace", async () => {
    const project = await Project.create("broken", emulator.url);
    project.write({ links: { harbour: { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee } } });
    await project.up();
    await emulator.clearCalls();
    await project.must(["config", "set", "--secret", "wechat:authorizerRefreshTokens", "{oops"]);
    // A plain refresh would use the configuration stored at the last up; --run-program reads the current one.
    const result = await project.run(["refresh", "--yes", "--skip-preview", "--run-program"]);
    expect(result.code).not.toBe(0);
    const text = result.stdout + result.stderr;
    expect(diagnostics(text)[`${linkType} (harbour)`]).toMatch(
      /error: pulumi-wechat is not configured correctly:\n\s+- wechat:authorizerRefreshTokens \(or WECHAT_AUTHORIZER_REFRESH_TOKENS\) is not valid JSON/,
    );
    expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect((await emulator.calls()).calls).toEqual([]);
  });
});

describe("an errcode WeChat never documented", () => {
  it("fails the resource with the code, what it means and what to do, after one call", async () => {
    await emulator.addFault({ path: "/wxa/plugin", action: "apply", errcode: 99999 });
    const result = await run({ what: "an undocumented errcode", spec: valid, error: /./ });
    expectOneCleanError(
      result,
      valid,
      /error: plugin apply for mini program wxc0ffee0000000001 \(plugin wx1000000000000002\) failed: WeChat error 99999: a code WeChat does not document\. What to do: check WeChat's error code list, then run again\./,
    );
    expect((await emulator.calls()).counts["/wxa/plugin#apply"]).toBe(1);
  });
});
