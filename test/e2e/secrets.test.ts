import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useEmulator, seed } from "../support/emulator";
import { Project, type Result } from "./project";

/*
 * Every credential the provider handles, searched for, value by value, in everything a run leaves behind: the state,
 * the CLI's output (plain and --json), the logs at -v=9, error messages, the drift report and the emulator's call log.
 * The emulator keeps its world in a state file, which is how the test learns the tokens it handed out.
 */

const stateFile = join(mkdtempSync(join(tmpdir(), "wechat-secrets-")), "wechat-state.json");
const emulator = useEmulator({ stateFile, reset: false });

const miniPrograms = [seed.coffee, seed.bakery, seed.books, seed.mall];
/** The mall's refresh token is wrong, so that a run also produces credential errors to search. */
const wrongRefreshToken = "refreshtoken@@@revoked-mall-0001";
const refreshTokens = Object.fromEntries(miniPrograms.map((appId) => [appId, appId === seed.mall ? wrongRefreshToken : `refreshtoken@@@${appId}`]));
/** The official account gets its token through stable_token with its AppSecret; the mini programs through the platform. */
const appSecrets = { [seed.officialAccount]: seed.appSecrets[seed.officialAccount] };
const configured = [seed.component.appSecret, seed.component.verifyTicket, ...Object.values(refreshTokens), ...Object.values(appSecrets)];

/** Every token the emulator handed out: access, authorizer and component tokens. */
function mintedTokens(): string[] {
  return JSON.parse(readFileSync(stateFile, "utf8")).tokens.map((token: { value: string }) => token.value);
}

function expectNoSecret(where: string, text: string, secrets: string[]): void {
  for (const secret of secrets) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
}

const everything = (result: Result) => result.stdout + result.stderr;

describe("credentials never leave the provider", () => {
  it("appear in no state export, CLI output (plain, --json, -v=9), error message, drift report or call log; the engine's own -v=9 lines are the only exception", async () => {
    const project = await Project.create("secrets", emulator.url, {
      "wechat:componentAppId": seed.component.appId,
      "wechat:componentAppSecret": seed.component.appSecret,
      "wechat:componentVerifyTicket": seed.component.verifyTicket,
      "wechat:authorizerRefreshTokens": JSON.stringify(refreshTokens),
      "wechat:appSecrets": JSON.stringify(appSecrets),
    });
    project.write({
      plugins: Object.fromEntries(miniPrograms.map((appId, i) => [`p${i}`, { appId, pluginAppId: seed.liveChat, version: "1.4.2" }])),
      links: { coffee: { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee } },
    });

    const outputs: Record<string, string> = {};
    outputs["preview --json"] = (await project.must(["preview", "--json"])).stdout;
    // The mall's plugin fails (its refresh token is wrong); the other resources are still created.
    const verbose = await project.run(["up", "--yes", "--skip-preview", "--continue-on-error", "-v=9", "--logtostderr"]);
    expect(verbose.code).not.toBe(0);
    outputs["up"] = verbose.stdout;
    expect(outputs["up"]).toMatch(/fetching an access token \(component\) for mini program wx5a1e000000000004 failed: WeChat error 61023: the authorizer refresh token is invalid/);

    // The link is refused by the mini program's admin: drift, which the report describes.
    await emulator.confirmLink(seed.officialAccount, seed.coffee, "officialAccount", false);
    const drift = await project.drift();
    expect(drift.code).toBe(2);
    outputs["drift report"] = drift.output;
    outputs["up --json"] = everything(await project.run(["up", "--yes", "--skip-preview", "--json"]));
    outputs["stack export"] = await project.exportState();
    outputs["call log"] = JSON.stringify(await emulator.calls());

    const tokens = mintedTokens();
    expect(tokens.length).toBeGreaterThanOrEqual(6);
    for (const [where, text] of Object.entries(outputs)) expectNoSecret(where, text, [...configured, ...tokens]);
    // Pulumi masks the values of secret config as [secret]; none of ours should have needed it.
    expect(outputs["up"] + outputs["drift report"]).not.toContain("[secret]");

    // At -v=9 some engines (the CLI 3.259.0's, not 3.274.1's) log the provider's Configure request, secret config in
    // plaintext: Pulumi's, not ours, and the only line allowed to hold a secret. Tokens are not config, so they appear
    // in no line at all.
    expect(verbose.stderr).toMatch(/Provider\[[^\]]*\]\.Configure\(\) executing/); // the log does cover the configuration
    const leaking = verbose.stderr.split("\n").filter((line) => configured.some((secret) => line.includes(secret)));
    for (const line of leaking) expect(line).toMatch(/"msg":"(Marshaling|Unmarshaling) property for RPC\[Provider\[[^\]]*\]\.Configure\(\)\.inputs\]/);
    expectNoSecret("-v=9 log", verbose.stderr, tokens);
  });
});

describe("the client keeps tokens on the connection they were meant for", () => {
  let redirector: Server;
  let trap: Server;
  let trapped = 0;
  beforeAll(async () => {
    trap = createServer((_request, response) => {
      trapped++;
      response.end("{}");
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    redirector = createServer((request, response) => {
      response.writeHead(302, { location: `${trapUrl}${request.url}` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => redirector.close(resolve));
    await new Promise((resolve) => trap.close(resolve));
  });

  it("never follows a redirect with a token, and names the call with the token redacted", async () => {
    const token = "ACCESS_TOKEN_96a1c0ffee_never_to_be_seen";
    const project = await Project.create("redirect", `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`, {
      "wechat:accessTokens": JSON.stringify({ [seed.coffee]: token }),
    });
    project.write({ plugins: { chat: { appId: seed.coffee, pluginAppId: seed.liveChat } } });
    const result = await project.run(["up", "--yes", "--skip-preview"]);
    expect(result.code).not.toBe(0);
    expect(everything(result)).toMatch(
      /plugin list for mini program wxc0ffee0000000001 \(plugin wx1000000000000002\) failed: redirected \(HTTP 302\) from http:\/\/127\.0\.0\.1:\d+\/wxa\/plugin\?access_token=REDACTED; redirects are not followed/,
    );
    expect(trapped).toBe(0);
    expectNoSecret("up", everything(result) + (await project.exportState()), [token]);
  });
});
