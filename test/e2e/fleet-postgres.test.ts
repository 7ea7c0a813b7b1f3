import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { FleetReport } from "../../fleet/report";
import { shardOf } from "../../fleet/shards";
import { serializeFleetSpec, type FleetSpecFile } from "../../fleet/spec";
import { pulumi, pulumiEnv } from "../../scripts/pulumi-project.mjs";
import { refreshTokens, seed, useEmulator } from "../support/emulator";
import { PostgresServer } from "../support/postgres";
import { until } from "./project";

/*
 * A CI matrix on one shared backend, as docs/fleets.md describes it: the Pulumi CLI's PostgreSQL backend
 * (PULUMI_BACKEND_URL=postgres://…) on a real PostgreSQL, one PULUMI_CONFIG_PASSPHRASE for every job, and three
 * "machines": folders of their own, each with its own Pulumi home, running `pulumi-wechat-fleet … --only I/3` at the
 * same time, as the jobs of a matrix do. The runner is the one installed from the package's tarball in the e2e
 * workspace, whose node_modules each folder (inside the workspace) resolves the fleet's program from. A fourth folder,
 * which ran none of the parts, reshards and checks the whole fleet: nothing of the fleet lives on any machine.
 */

const emulator = useEmulator({ reset: false });
const passphrase = "e2e-fleet-postgres-passphrase-5d1c";
let postgres: PostgresServer;

const miniPrograms = [seed.coffee, seed.bakery, seed.books, seed.mall];
const links = [seed.coffee, seed.bakery, seed.books];
/** 4 mini programs with two approval-free plugins each, the official account with 3 links: 11 resources. */
const spec: FleetSpecFile = {
  pluginSets: { basic: [{ pluginAppId: seed.liveChat, version: "1.4.2" }, { pluginAppId: seed.reviews }] },
  miniPrograms: miniPrograms.map((appId) => ({ appId, pluginSets: ["basic"] })),
  officialAccounts: [{ appId: seed.officialAccount, links: links.map((miniProgramAppId) => ({ miniProgramAppId })) }],
};
const resources = miniPrograms.length * 2 + links.length;

/** The fleet's resources (their names, the WeChat ids) in each shard of `count`. */
function byShard(count: number): string[][] {
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const mp of miniPrograms) shards[shardOf(mp, count)].push(`${mp}/${seed.liveChat}`, `${mp}/${seed.reviews}`);
  for (const mp of links) shards[shardOf(seed.officialAccount, count)].push(`${seed.officialAccount}/${mp}`);
  return shards.map((names) => names.sort());
}

interface Machine {
  name: string;
  dir: string;
  env: NodeJS.ProcessEnv;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  report?: FleetReport;
}

let machines: Machine[];
/** Every output and report of the runners, searched for secrets at the end. */
const seen: Record<string, string> = {};

beforeAll(async () => {
  postgres = await PostgresServer.start();
  const root = join(inject("e2e").workspace, "projects", `fleet-postgres-${process.pid}`);
  machines = [1, 2, 3, 4].map((n) => {
    const dir = join(root, `machine-${n}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "fleet.yaml"), serializeFleetSpec(spec, "fleet.yaml"));
    // A machine's own Pulumi home; the backend and the passphrase are the matrix's.
    const base = pulumiEnv({ stateDir: join(dir, ".pulumi"), passphrase });
    for (const key of Object.keys(base)) if (key.startsWith("WECHAT_")) delete base[key];
    // Machines 1 to 3 have the password in the URL; the fourth in PGPASSWORD, as docs/fleets.md advises (see the last test).
    const backend = n === 4 ? { PULUMI_BACKEND_URL: postgres.urlWithoutPassword, PGPASSWORD: postgres.password } : { PULUMI_BACKEND_URL: postgres.url };
    const env = {
      ...base,
      ...backend,
      PULUMI_CONFIG_PASSPHRASE: passphrase,
      WECHAT_ENDPOINT: emulator.url,
      WECHAT_COMPONENT_APP_ID: seed.component.appId,
      WECHAT_COMPONENT_APP_SECRET: seed.component.appSecret,
      WECHAT_COMPONENT_VERIFY_TICKET: seed.component.verifyTicket,
      WECHAT_AUTHORIZER_REFRESH_TOKENS: JSON.stringify(refreshTokens()),
    };
    return { name: `machine-${n}`, dir, env };
  });
});
afterAll(() => postgres?.stop());

let runs = 0;
/** `pulumi-wechat-fleet <args>` as installed in the workspace, run in a machine's folder; a report it wrote with --json, read back. */
async function fleet(machine: Machine, ...args: string[]): Promise<Run> {
  const cli = join(inject("e2e").workspace, "node_modules/pulumi-wechat/dist/fleet/cli.js");
  const run = await new Promise<Run>((resolve) =>
    execFile(process.execPath, [cli, ...args], { cwd: machine.dir, env: machine.env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    ),
  );
  const id = `${machine.name}: ${args.join(" ")} (#${++runs})`;
  seen[id] = run.stdout + run.stderr;
  const json = args.indexOf("--json");
  if (json >= 0 && existsSync(join(machine.dir, args[json + 1]))) {
    seen[`${id} report`] = readFileSync(join(machine.dir, args[json + 1]), "utf8");
    run.report = JSON.parse(seen[`${id} report`]) as FleetReport;
  }
  return run;
}

/** The CLI on the fleet's stacks, from a machine's folder (one the runner has written its project into). */
async function stackCommand(machine: Machine, ...args: string[]): Promise<string> {
  const result = await pulumi([...args, "--non-interactive"], { cwd: join(machine.dir, ".pulumi-wechat-fleet"), env: machine.env });
  if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** The fleet resources' names in a stack's state. */
async function stateOf(machine: Machine, stack: string): Promise<string[]> {
  const { deployment } = JSON.parse(await stackCommand(machine, "stack", "export", "--stack", stack));
  return (deployment.resources as Array<{ type: string; urn: string }>)
    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/wechat:"))
    .map((r) => r.urn.split("::").pop()!)
    .sort();
}

/** What the backend's table holds under .pulumi/: the stacks' checkpoints and the locks, read in PostgreSQL itself. */
async function backendKeys(): Promise<{ stacks: string[]; locks: string[] }> {
  const keys = await postgres.query("SELECT key FROM pulumi_state ORDER BY key");
  return {
    stacks: keys.flatMap((key) => /\/\.pulumi\/stacks\/pulumi-wechat-fleet\/([^/]+)\.json$/.exec(key)?.[1] ?? []),
    locks: keys.filter((key) => key.includes("/.pulumi/locks/")),
  };
}

const total = (report: FleetReport, count: keyof FleetReport["stacks"][number]["counts"]) => report.stacks.reduce((sum, s) => sum + s.counts[count], 0);
const driftLines = (report: FleetReport) => report.stacks.flatMap((s) => s.drift.map((line) => `${s.stack}: ${line}`));
const writes = async () => (await emulator.calls()).calls.filter((call) => /^(apply|unbind|update)$/.test(call.action ?? "") || /\/wxamplink$|\/wxampunlink$/.test(call.path));
const parts = [1, 2, 3];

describe("a CI matrix of three machines on one PostgreSQL backend", () => {
  it("three machines run up --only I/3 at once: each creates its shard's stack in PostgreSQL, together the whole fleet, and no machine keeps state", async () => {
    const shards = byShard(3);
    // The seed's accounts spread over all three shards, or a part would have nothing to run.
    expect(shards.map((names) => names.length > 0)).toEqual([true, true, true]);

    const ups = await Promise.all(parts.map((i) => fleet(machines[i - 1], "up", "--spec", "fleet.yaml", "--shards", "3", "--only", `${i}/3`, "--json", `part-${i}.json`)));
    for (const [k, up] of ups.entries()) {
      expect(up.code, `${machines[k].name}: ${up.stdout}${up.stderr}`).toBe(0);
      expect(up.report!.parts).toEqual([`${k + 1}/3`]);
      expect(up.report!.stacks.map((s) => [s.shard, s.stack, s.status])).toEqual([[k, `wechat-fleet-${k}`, "done"]]);
      expect(total(up.report!, "created")).toBe(shards[k].length);
      expect(up.stdout).toContain("## WeChat fleet `up`: done in 1 shard");
    }
    // The three runs overlapped: each started before any ended.
    const starts = ups.map((up) => Date.parse(up.report!.startedAt));
    const ends = ups.map((up, k) => starts[k] + up.report!.seconds * 1000);
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));

    const state = await emulator.state();
    expect(state.bindings.map((b) => `${b.appId}/${b.pluginAppId}`).sort()).toEqual(miniPrograms.flatMap((mp) => [`${mp}/${seed.liveChat}`, `${mp}/${seed.reviews}`]).sort());
    expect(state.links.map((l) => `${l.officialAccountAppId}/${l.miniProgramAppId}`).sort()).toEqual(links.map((mp) => `${seed.officialAccount}/${mp}`).sort());

    // The stacks are rows of the database, unlocked; no machine has a file backend of its own.
    expect(await backendKeys()).toEqual({ stacks: ["wechat-fleet-0", "wechat-fleet-1", "wechat-fleet-2"], locks: [] });
    for (const machine of machines) expect(existsSync(join(machine.dir, ".pulumi-state")), machine.name).toBe(false);
    for (let i = 0; i < 3; i++) {
      expect(await stateOf(machines[(i + 1) % 3], `wechat-fleet-${i}`), `wechat-fleet-${i}, read from another machine`).toEqual(shards[i]);
      expect(JSON.parse(await stackCommand(machines[0], "stack", "tag", "ls", "--json", "--stack", `wechat-fleet-${i}`))).toMatchObject({ "pulumi-wechat-fleet:shards": "3" });
    }
  });

  it("each machine's drift --only I/3 is clean, and report --merge of the three parts covers every resource: exit 0, no drift", async () => {
    await emulator.clearCalls();
    const drifts = await Promise.all(parts.map((i) => fleet(machines[i - 1], "drift", "--spec", "fleet.yaml", "--only", `${i}/3`, "--json", `drift-${i}.json`)));
    for (const [k, drift] of drifts.entries()) {
      expect(drift.code, `${machines[k].name}: ${drift.stdout}${drift.stderr}`).toBe(0);
      expect(drift.report!.stacks.map((s) => s.stack)).toEqual([`wechat-fleet-${k}`]);
    }
    expect(await writes()).toEqual([]);

    const merged = await fleet(machines[3], "report", "--merge", ...parts.map((i) => join(machines[i - 1].dir, `drift-${i}.json`)), "--json", "drift-merged.json");
    expect(merged.code, merged.stdout + merged.stderr).toBe(0);
    expect(merged.stdout).toContain("## WeChat fleet `drift`: no drift in 3 shards");
    expect(merged.stdout).toContain("this report covers parts 1/3, 2/3, 3/3 of the shards");
    const report = merged.report!;
    expect(report.stacks.map((s) => [s.shard, s.status])).toEqual([
      [0, "done"],
      [1, "done"],
      [2, "done"],
    ]);
    expect(driftLines(report)).toEqual([]);
    expect(total(report, "unchanged")).toBe(resources);
    expect(total(report, "created") + total(report, "updated") + total(report, "replaced") + total(report, "deleted") + total(report, "failed")).toBe(0);
    // The links wait for the official account's admin: not drift.
    expect(report.stacks.flatMap((s) => s.waiting)).toHaveLength(links.length);
  });

  it("while one machine's up holds a stack's lock, another machine's up of that shard fails it as locked (exit 1), a drift of it runs, and the holder finishes", async () => {
    // Shard 0's up has an application to make, held at WeChat for 25 s: the holder's update is running, its lock taken.
    await emulator.unbindOutOfBand(seed.coffee, seed.reviews);
    const held = await emulator.fault({ path: "/wxa/plugin", action: "apply", appId: seed.coffee, delayMs: 25_000, times: 1 });
    const holderMachine = { ...machines[0], env: { ...machines[0].env, WECHAT_REQUEST_TIMEOUT_MS: "60000" } };
    const holding = fleet(holderMachine, "up", "--spec", "fleet.yaml", "--only", "1/3", "--json", "holder.json");
    try {
      await blockedWhileHeld(held);
    } finally {
      // Whatever the checks found, the holder ends before the next test.
      const holder = await holding;
      expect(holder.code, holder.stdout + holder.stderr).toBe(0);
      expect(total(holder.report!, "created")).toBe(1);
    }
    expect((await emulator.state()).bindings.filter((b) => b.appId === seed.coffee && b.pluginAppId === seed.reviews)).toHaveLength(1);
    expect((await backendKeys()).locks).toEqual([]);
  });

  /** Once the holder's update has sent the held application: the lock in the table, and another machine's run of the shard. */
  async function blockedWhileHeld(held: number): Promise<void> {
    await until("machine-1's update to send the held application", async () => !(await emulator.world()).faults.some((fault) => fault.id === held), 120_000, 100);
    const { locks } = await backendKeys();
    expect(locks).toHaveLength(1);
    expect(locks[0]).toContain("/.pulumi/locks/organization/pulumi-wechat-fleet/wechat-fleet-0/");

    // At the same time, a third machine's drift of the shard: previews take no lock, so it runs, and finds the plugin missing.
    const [blocked, drift] = await Promise.all([
      fleet(machines[1], "up", "--spec", "fleet.yaml", "--only", "1/3", "--json", "blocked.json"),
      fleet(machines[2], "drift", "--spec", "fleet.yaml", "--only", "1/3", "--json", "drift-held.json"),
    ]);
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    expect(drift.report, `no report: ${drift.stdout}${drift.stderr}`).toBeDefined();
    expect(driftLines(drift.report!)).toEqual([
      `wechat-fleet-0: plugin ${seed.reviews} on mini program ${seed.coffee} (${seed.coffee}/${seed.reviews}): not bound at WeChat (unbound outside Pulumi, or never applied); \`pulumi up\` applies for it`,
    ]);
    expect(blocked.code, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.report, `no report: ${blocked.stdout}${blocked.stderr}`).toBeDefined();
    const [shard] = blocked.report!.stacks;
    expect([shard.stack, shard.status]).toEqual(["wechat-fleet-0", "failed"]);
    // The report names the stack and says it is locked (Pulumi's message, `the stack is currently locked by 1 lock(s)`,
    // or the runner's own wording of it).
    expect(shard.error).toMatch(/\block/);
    expect(blocked.stdout).toContain("## WeChat fleet `up`: 1 of 1 shard failed");
    expect(blocked.stdout).toMatch(/### Failures \(1\)\n\n- `wechat-fleet-0`[^\n]*\n[^#]*lock/);
    // The shard's log has Pulumi's whole message: the lock's key in the backend, with the URL's user and password
    // masked, and who holds it.
    const log = readFileSync(join(machines[1].dir, ".pulumi-wechat-fleet/logs/wechat-fleet-0.log"), "utf8");
    seen["machine-2 blocked log"] = log;
    expect(log).toContain("the stack is currently locked by 1 lock(s)");
    expect(log).toContain(`postgres://****:****@127.0.0.1:${postgres.port}/`);
    expect(log).toContain(`${locks[0].slice(locks[0].indexOf("/.pulumi/locks/"))}?sslmode=disable: created by ${userInfo().username}@${hostname()} (pid `);
  }

  it("a fourth machine reshards 3 → 2 without a WeChat call, and its drift of the whole fleet is clean", async () => {
    const before = await emulator.state();
    await emulator.clearCalls();
    const reshard = await fleet(machines[3], "reshard", "--spec", "fleet.yaml", "--from", "3", "--to", "2");
    expect(reshard.code, reshard.stdout + reshard.stderr).toBe(0);
    expect(reshard.stdout).toContain("## WeChat fleet reshard: 3 → 2 shards");
    expect(reshard.stdout).toContain("Removed the emptied `wechat-fleet-2`.");
    expect((await emulator.calls()).calls).toEqual([]);
    expect(await emulator.state()).toMatchObject({ bindings: before.bindings, links: before.links });
    expect(await backendKeys()).toEqual({ stacks: ["wechat-fleet-0", "wechat-fleet-1"], locks: [] });
    const shards = byShard(2);
    for (let i = 0; i < 2; i++) expect(await stateOf(machines[3], `wechat-fleet-${i}`), `wechat-fleet-${i}`).toEqual(shards[i]);

    const drift = await fleet(machines[3], "drift", "--spec", "fleet.yaml", "--json", "drift-whole.json");
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain("## WeChat fleet `drift`: no drift in 2 shards");
    expect(drift.report!.shards).toBe(2);
    expect(drift.report!.parts).toEqual([]);
    expect(driftLines(drift.report!)).toEqual([]);
    expect(total(drift.report!, "unchanged")).toBe(resources);
    // The engine's own preview from this machine too: its stacks selected through Pulumi, as an up would.
    const preview = await fleet(machines[3], "preview", "--spec", "fleet.yaml");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    expect(preview.stdout).toContain("## WeChat fleet `preview`: done in 2 shards");
    expect(await writes()).toEqual([]);
  });

  it("leaves the database's password, the passphrase and every WeChat credential out of the runners' output, reports and logs and the backend's rows; the CLI keeps a URL's password in its home", async () => {
    const files = (root: string): string[] =>
      existsSync(root)
        ? readdirSync(root).flatMap((name) => {
            const path = join(root, name);
            return statSync(path).isDirectory() ? files(path) : [path];
          })
        : [];
    for (const machine of machines) for (const path of files(join(machine.dir, ".pulumi-wechat-fleet"))) seen[path] = readFileSync(path, "utf8");
    // Each row holds a file of the backend, base64-encoded.
    const rows = await postgres.query("SELECT key, data->>'data' FROM pulumi_state");
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      const [key, data] = row.split("|");
      seen[`row ${key}`] = Buffer.from(data, "base64").toString("utf8");
    }
    const secrets = { password: postgres.password, passphrase, appSecret: seed.component.appSecret, verifyTicket: seed.component.verifyTicket, ...refreshTokens() };
    for (const [where, text] of Object.entries(seen)) {
      for (const [name, secret] of Object.entries(secrets)) expect(text.includes(secret), `${where} contains ${name}`).toBe(false);
    }

    // The Pulumi CLI records the stack it selected per backend URL, the URL as given, in its home's workspaces/: with
    // the password in the URL, the password is on the machine's disk; with PGPASSWORD, it is not.
    const home = (machine: Machine) => files(join(machine.dir, ".pulumi", "home", "workspaces")).map((path) => readFileSync(path, "utf8"));
    expect(home(machines[0]).some((text) => text.includes(postgres.password))).toBe(true);
    expect(home(machines[3]).length).toBeGreaterThan(0);
    expect(home(machines[3]).some((text) => text.includes(postgres.password))).toBe(false);
    for (const machine of machines) expect(home(machine).some((text) => text.includes(passphrase)), machine.name).toBe(false);
  });
});
