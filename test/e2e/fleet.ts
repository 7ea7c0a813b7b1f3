import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, inject } from "vitest";
import type { EmulatorClient } from "../../emulator/index";
import type { FleetReport } from "../../fleet/report";
import { pulumi, pulumiEnv } from "../../scripts/pulumi-project.mjs";
import { seed } from "../support/emulator";
import type { Project, Spec } from "./project";

/**
 * The environment a fleet suite runs the runner with in `dir`: the platform's credentials only in WECHAT_* variables
 * (the authorizers' refresh tokens when given), the emulator as endpoint, and the runner's defaults for the backend
 * (.pulumi-state/ in the project) and the passphrase (empty).
 */
export function fleetEnv(dir: string, endpoint: string, refreshTokens?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase: "" }),
    WECHAT_ENDPOINT: endpoint,
    WECHAT_COMPONENT_APP_ID: seed.component.appId,
    WECHAT_COMPONENT_APP_SECRET: seed.component.appSecret,
    WECHAT_COMPONENT_VERIFY_TICKET: seed.component.verifyTicket,
    ...(refreshTokens ? { WECHAT_AUTHORIZER_REFRESH_TOKENS: JSON.stringify(refreshTokens) } : {}),
  };
  delete env.PULUMI_BACKEND_URL;
  delete env.PULUMI_CONFIG_PASSPHRASE;
  return env;
}

/** One run of the fleet runner: its exit code and output, and its --json report when it wrote one. */
export interface FleetRun {
  code: number;
  stdout: string;
  stderr: string;
  report?: FleetReport;
  /** Where that report is. */
  reportFile?: string;
}

/**
 * `npx pulumi-wechat-fleet` as installed in the e2e workspace, run in `dir` with `env`: `run(...args)` adds --json to
 * the operations that write a report and reads it back; `pulumi(...args)` runs the CLI on the runner's stacks, in its
 * working folder with its default backend (.pulumi-state/) and passphrase (empty). `seen` is told every output and report,
 * by a label, for a suite that searches them for secrets.
 */
export function fleetRunner(dir: string, env: NodeJS.ProcessEnv, seen?: (label: string, text: string) => void) {
  let runs = 0;
  return {
    async run(...args: string[]): Promise<FleetRun> {
      const cli = join(inject("e2e").workspace, "node_modules/pulumi-wechat/dist/fleet/cli.js");
      const json = join(dir, `report-${++runs}.json`);
      const withJson = ["up", "preview", "drift", "destroy", "recover"].includes(args[0]) ? [...args, "--json", json] : args;
      const run = await new Promise<FleetRun>((resolve) =>
        execFile(process.execPath, [cli, ...withJson], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
        ),
      );
      seen?.(`${args.join(" ")} (#${runs})`, run.stdout + run.stderr);
      // A run refused before it starts writes no report.
      if (withJson !== args && existsSync(json)) {
        const text = readFileSync(json, "utf8");
        seen?.(`report #${runs}`, text);
        run.report = JSON.parse(text) as FleetReport;
        run.reportFile = json;
      }
      return run;
    },
    async pulumi(...args: string[]): Promise<string> {
      const result = await pulumi([...args, "--non-interactive"], {
        cwd: join(dir, ".pulumi-wechat-fleet"),
        env: { ...env, PULUMI_BACKEND_URL: `file://${join(dir, ".pulumi-state")}`, PULUMI_CONFIG_PASSPHRASE: "" },
      });
      if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    },
  };
}

/**
 * The large program the fault and interruption suites run: every mini program of the seed at its limit of five
 * plugins (20 in all) and three links of the official account. Only the plugins that need no approval declare a
 * version, so a converged stack has no pending change.
 */
export const miniPrograms = { coffee: seed.coffee, bakery: seed.bakery, books: seed.books, mall: seed.mall };
const plugins = { locator: seed.storeLocator, chat: seed.liveChat, card: seed.membership, reviews: seed.reviews, delivery: seed.delivery };
const versions: Record<string, string> = { [seed.liveChat]: "1.4.2", [seed.reviews]: "1.0.0" };
const linked = ["coffee", "bakery", "books"] as const;

export const fleetSize = { plugins: 20, links: 3, resources: 23 };

interface Options {
  /** false: no plugin declares a version. */
  versions?: boolean;
}

function fleetPlugins(options: Options) {
  return Object.entries(miniPrograms).flatMap(([mpName, appId]) =>
    Object.entries(plugins).map(([pluginName, pluginAppId]) => {
      const version = options.versions === false ? undefined : versions[pluginAppId];
      return { name: `${mpName}-${pluginName}`, args: { appId, pluginAppId, ...(version ? { version } : {}) } };
    }),
  );
}

const fleetLinks = linked.map((name) => ({ name, args: { officialAccountAppId: seed.officialAccount, miniProgramAppId: miniPrograms[name] } }));

export function fleet(options: Options = {}): Spec {
  return {
    plugins: Object.fromEntries(fleetPlugins(options).map(({ name, args }) => [name, args])),
    links: Object.fromEntries(fleetLinks.map(({ name, args }) => [name, args])),
  };
}

const pluginIds = (options: Options) => fleetPlugins(options).map(({ args }) => `${args.appId}/${args.pluginAppId}`);
const linkIds = fleetLinks.map(({ args }) => `${args.officialAccountAppId}/${args.miniProgramAppId}`);

/** WeChat holds exactly the fleet: each binding and link once, approval-free plugins at their declared version. */
export async function expectFleetAtWeChat(emulator: Pick<EmulatorClient, "state">, options: Options = {}): Promise<void> {
  const state = await emulator.state();
  expect(state.bindings.map((b) => `${b.appId}/${b.pluginAppId}`).sort()).toEqual(pluginIds(options).sort());
  for (const binding of state.bindings) {
    const version = options.versions === false ? undefined : versions[binding.pluginAppId];
    if (version) expect(binding, `${binding.appId}/${binding.pluginAppId}`).toMatchObject({ status: 2, version });
  }
  expect(state.links.map((l) => `${l.officialAccountAppId}/${l.miniProgramAppId}`).sort()).toEqual([...linkIds].sort());
}

/** The stack tracks the fleet: one resource per URN, each with the id of its WeChat binding or link, nothing pending. */
export async function expectFleetInState(project: Project, options: Options = {}): Promise<void> {
  const deployment = await project.deployment();
  expect(deployment.pending_operations ?? []).toEqual([]);
  const resources = (deployment.resources ?? []).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/wechat:"));
  const urns = resources.map((r) => r.urn);
  expect(new Set(urns).size).toBe(urns.length);
  expect(resources.map((r) => r.id).sort()).toEqual([...pluginIds(options), ...linkIds].sort());
}
