import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FleetReport } from "../../fleet/report";
import { serializeFleetSpec, type FleetSpecFile } from "../../fleet/spec";
import { pulumiEnv } from "../../scripts/pulumi-project.mjs";
import { refreshTokens, seed, useEmulator } from "../support/emulator";
import { platformTokens, RedisServer, seedWxJava, wxjavaKeys, type PlatformTokens } from "../support/redis";

/*
 * A fleet whose only credential is the platform's Redis: the runner's environment names the emulator, the store (its
 * password apart) and read-only mode, and no secret, ticket, refresh token, token URL or access token. The platform's
 * servers have filled the store with every account's token beforehand, so the run asks WeChat for none.
 *
 * Two stores: WxJava's keys, named after the platform (so WECHAT_COMPONENT_APP_ID is set, and is the only other
 * variable), and wechatpy's, whose account keys need no platform at all, so that the store is the only credential the
 * configuration has (the runner's pre-flight refused that as "no WeChat credentials" until 9211732).
 */

const emulator = useEmulator({ reset: false });
const password = "e2e-fleet-redis-password-3c9d";
let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start({ password });
});
afterAll(() => redis?.stop());

const miniPrograms = [seed.coffee, seed.bakery, seed.books, seed.mall];
const oa = seed.officialAccount;
const resources = miniPrograms.length * 2 + 1;

/** The WeChat calls that hand out tokens, since the call log was last cleared. */
async function tokenCalls(): Promise<Record<string, number>> {
  const { calls } = await emulator.calls();
  const counts: Record<string, number> = {};
  for (const call of calls.filter((c) => /token/.test(c.path))) counts[call.path] = (counts[call.path] ?? 0) + 1;
  return counts;
}

const total = (report: FleetReport, count: keyof FleetReport["stacks"][number]["counts"]) => report.stacks.reduce((sum, s) => sum + s.counts[count], 0);
const driftLines = (report: FleetReport) => report.stacks.flatMap((s) => s.drift);
const noTokens = { componentTokens: 0, accountTokens: 0, authorizerListPages: 0 };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  report?: FleetReport;
}

interface Scenario {
  /** The project folder's name. */
  name: string;
  /** WECHAT_* variables besides the endpoint, the store's URL, its password and read-only mode. */
  variables: Record<string, string>;
  spec: FleetSpecFile;
  /** Fills the store as the platform's servers do, with these tokens. */
  fill(tokens: PlatformTokens): Promise<void>;
  /** The key of an account's token, read back at the end: a read-only fleet writes nothing. */
  accountKey(appId: string): string;
  /** How the store's values are encoded. */
  encode(token: string): string;
}

function fleetWithStore(title: string, scenario: Scenario): void {
  describe(title, () => {
    let tokens: PlatformTokens;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    /** Every output and report of the runner, searched for secrets at the end. */
    const seen: Record<string, string> = {};
    let runs = 0;

    beforeAll(async () => {
      await emulator.reset();
      await redis.flush();
      // The platform's servers fetch their tokens and keep them in the store, as their SDK does.
      const all = refreshTokens();
      tokens = await platformTokens(emulator.url, seed.component, Object.fromEntries([...miniPrograms, oa].map((appId) => [appId, all[appId]])));
      await scenario.fill(tokens);
      await emulator.clearCalls();

      dir = join(inject("e2e").workspace, "projects", `${scenario.name}-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "fleet.yaml"), serializeFleetSpec(scenario.spec, "fleet.yaml"));
      const base = pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase: "" });
      // No credential of any other kind reaches the runner, whatever the test's own environment holds.
      for (const key of Object.keys(base)) if (key.startsWith("WECHAT_")) delete base[key];
      // The runner's defaults: .pulumi-state/ in the project, an empty passphrase.
      delete base.PULUMI_BACKEND_URL;
      delete base.PULUMI_CONFIG_PASSPHRASE;
      env = {
        ...base,
        WECHAT_ENDPOINT: emulator.url,
        WECHAT_TOKEN_STORE: redis.url,
        WECHAT_TOKEN_STORE_PASSWORD: password,
        WECHAT_TOKEN_STORE_MODE: "read-only",
        ...scenario.variables,
      };
    });

    /** `pulumi-wechat-fleet <args> --json report-<n>.json` as installed in the workspace, in the project. */
    async function fleet(...args: string[]): Promise<Run> {
      const cli = join(inject("e2e").workspace, "node_modules/pulumi-wechat/dist/fleet/cli.js");
      const json = join(dir, `report-${++runs}.json`);
      const run = await new Promise<Run>((resolve) =>
        execFile(process.execPath, [cli, ...args, "--json", json], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
        ),
      );
      seen[`${args.join(" ")} (#${runs})`] = run.stdout + run.stderr;
      if (existsSync(json)) {
        seen[`report #${runs}`] = readFileSync(json, "utf8");
        run.report = JSON.parse(seen[`report #${runs}`]) as FleetReport;
      }
      return run;
    }

    it("up creates the fleet, with no token call to WeChat", async () => {
      const up = await fleet("up", "--spec", "fleet.yaml", "--shards", "2");
      expect(up.code, up.stdout + up.stderr).toBe(0);
      expect(up.stdout).toContain("## WeChat fleet `up`: done in 2 shards");
      expect(total(up.report!, "created")).toBe(resources);
      expect(total(up.report!, "failed")).toBe(0);
      expect(up.report!.tokens).toEqual(noTokens);
      const state = await emulator.state();
      expect(state.bindings.map((b) => `${b.appId}/${b.pluginAppId}`).sort()).toEqual(miniPrograms.flatMap((mp) => [`${mp}/${seed.liveChat}`, `${mp}/${seed.reviews}`]).sort());
      expect(state.links.map((l) => `${l.officialAccountAppId}/${l.miniProgramAppId}`)).toEqual([`${oa}/${seed.coffee}`]);
      expect(await tokenCalls()).toEqual({});
    });

    it("drift is clean, with no token call", async () => {
      await emulator.clearCalls();
      const drift = await fleet("drift", "--spec", "fleet.yaml");
      expect(drift.code, drift.stdout + drift.stderr).toBe(0);
      expect(drift.stdout).toContain("## WeChat fleet `drift`: no drift in 2 shards");
      expect(driftLines(drift.report!)).toEqual([]);
      expect(total(drift.report!, "unchanged")).toBe(resources);
      expect(drift.report!.tokens).toEqual(noTokens);
      expect(await tokenCalls()).toEqual({});
    });

    it("drift exits 2 naming a plugin unbound outside Pulumi, with no token call", async () => {
      await emulator.unbindOutOfBand(seed.bakery, seed.reviews);
      await emulator.clearCalls();
      const drift = await fleet("drift", "--spec", "fleet.yaml");
      expect(drift.code, drift.stdout + drift.stderr).toBe(2);
      expect(drift.stdout).toContain("## WeChat fleet `drift`: drift in 1 of 2 shards");
      expect(driftLines(drift.report!)).toEqual([
        `plugin ${seed.reviews} on mini program ${seed.bakery} (${seed.bakery}/${seed.reviews}): not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
      ]);
      expect(drift.report!.tokens).toEqual(noTokens);
      expect(await tokenCalls()).toEqual({});
    });

    it("leaves neither the store's password nor any token in the runner's output, its reports or its logs, and the store as it was", async () => {
      const files = (root: string): string[] =>
        existsSync(root)
          ? readdirSync(root).flatMap((name) => {
              const path = join(root, name);
              return statSync(path).isDirectory() ? files(path) : [path];
            })
          : [];
      const logs = files(join(dir, ".pulumi-wechat-fleet"));
      expect(logs.length).toBeGreaterThan(0);
      for (const path of [...logs, ...files(join(dir, ".pulumi-state"))]) seen[path] = readFileSync(path, "utf8");
      expect(Object.keys(seen).filter((where) => where.startsWith("report #"))).toHaveLength(runs);
      const secrets = [password, tokens.component, ...Object.values(tokens.authorizers)];
      for (const [where, text] of Object.entries(seen)) {
        for (const secret of secrets) expect(text.includes(secret), `${where} contains a secret`).toBe(false);
      }
      for (const [appId, token] of Object.entries(tokens.authorizers)) {
        expect(await redis.client.sendCommand(["GET", scenario.accountKey(appId)]), appId).toBe(scenario.encode(token));
      }
    });
  });
}

const component = seed.component.appId;
const wxjava = wxjavaKeys(component);

fleetWithStore("a fleet whose only credential is a Redis token store with WxJava's keys (read-only)", {
  name: "fleet-store-wxjava",
  variables: { WECHAT_COMPONENT_APP_ID: component },
  spec: {
    pluginSets: { basic: [{ pluginAppId: seed.liveChat, version: "1.4.2" }, { pluginAppId: seed.reviews }] },
    miniPrograms: miniPrograms.map((appId) => ({ appId, pluginSets: ["basic"] })),
    // No miniProgramUsername: the create looks it up with the platform's own token, which the store holds too.
    officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: seed.coffee }] }],
  },
  fill: (tokens) => seedWxJava(redis.client, component, tokens),
  accountKey: wxjava.account,
  encode: (token) => token,
});

fleetWithStore("a fleet whose only credential is a Redis token store with wechatpy's keys, and no platform configured (read-only)", {
  name: "fleet-store-wechatpy",
  variables: { WECHAT_TOKEN_STORE_LAYOUT: "wechatpy" },
  spec: {
    pluginSets: { basic: [{ pluginAppId: seed.liveChat, version: "1.4.2" }, { pluginAppId: seed.reviews }] },
    miniPrograms: miniPrograms.map((appId) => ({ appId, pluginSets: ["basic"] })),
    // With no platform, nothing looks up the mini program's username: the spec gives it.
    officialAccounts: [{ appId: oa, links: [{ miniProgramAppId: seed.coffee, miniProgramUsername: "gh_c0ffee000001" }] }],
  },
  // wechatpy's RedisStorage: JSON-encoded values under `wechatpy:<appId>_access_token`, living expires_in seconds.
  fill: async (tokens) => {
    for (const [appId, token] of Object.entries(tokens.authorizers)) await redis.client.sendCommand(["SET", `wechatpy:${appId}_access_token`, JSON.stringify(token), "EX", "7200"]);
  },
  accountKey: (appId) => `wechatpy:${appId}_access_token`,
  encode: (token) => JSON.stringify(token),
});
