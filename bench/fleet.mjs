// `npm run bench:fleet`: the fleet runner (`pulumi-wechat-fleet`, installed from the packed tarball into a workspace,
// as a platform installs it) on a generated fleet against the emulator with a simulated latency per WeChat call, and
// the same work as one stack at the sizes one stack finishes in a few minutes.
//
// The fleet: `up` from scratch, a no-change `up`, `drift`, an out-of-band change in 1% of the accounts (a plugin
// unbound on 1% of the mini programs, a link withdrawn on 1% of the official accounts, through WeChat's own API) then
// `drift` and `up`, and `destroy`. One stack: the runner with `--shards 1` on a fleet of the same shape, `up`,
// no-change `up`, `drift` and `destroy`. For each step: WeChat calls by kind (the emulator's call log) against the
// minimum, wall time, and the peak resident memory of the runner and every process under it (the stacks' Pulumi CLIs,
// language hosts, programs and providers), sampled from /proc. Markdown on stdout, progress on stderr; with
// --chart FILE, an SVG of `up`'s wall time against size for one stack and for the fleet.
//
// --drift-only: a fleet that WeChat and the stacks' states already hold (made without the engine's creates, see
// fleet-state.mjs), then only `drift` and a no-change `up`, each against WeChat's floor (list calls × latency ÷ the
// calls the runner has in flight); with --engine-check, also `drift` through the engine's refresh, which must agree.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { createWorkspace, descendants, ensurePulumi, installedPulumiVersion, pulumiCliVersion, pulumiEnv } from "../scripts/pulumi-project.mjs";
import { benchArgs, whole } from "./args.mjs";
import { callKinds, summarizeCalls } from "./calls.mjs";
import { quadraticFit, evaluate, renderChart } from "./fleet-chart.mjs";
import { importStates, setVersions, templateDeployment } from "./fleet-state.mjs";
import { component, fleetMinimum, generateFleet, scaledSize } from "./fleet-world.mjs";

const require = createRequire(import.meta.url);
const { startEmulator, EmulatorClient } = require("../dist/emulator/index.js");
const { defaultConcurrency, lookShardsPerSlot, resourcesPerShard } = require("../dist/fleet/runner.js");
const { runnerConnections } = require("../dist/fleet/broker.js");
const { defaultParallel } = require("../dist/drift/report.js");
const { lookVariable } = require("../dist/fleet/look.js");


const usage = `Usage: npm run bench:fleet -- [options]

  --mini-programs M        mini programs in the fleet                              (default 2000)
  --plugins-per P          plugins bound to every mini program                      (default 3)
  --official-accounts K    official accounts in the fleet                           (default 200)
  --links-per L            links of every official account                          (default 5)
  --latency MS             simulated latency of every WeChat call                   (default 50)
  --shards N               the fleet's shards                (default: the runner's, one per 250 resources)
  --concurrency C          stacks at once                    (default: the runner's, the machine's cores, ≥ 2)
  --single-sizes R1,R2,…   resources of the one-stack runs, same shape as the fleet  (default 100,200,400;
                           "none" for no one-stack run)
  --quick                  a small smoke run: M=40 × 3, K=4 × 3 (132 resources) in 4 shards, one stack at
                           about 50 and 100
  --chart FILE             also write an SVG chart of \`up\`'s wall time against size
  --keep                   keep the temporary workspace and print its path

  --drift-only             only \`drift\` and a no-change \`up\`, on a fleet WeChat and the stacks already hold:
                           WeChat from the seed's generate.existing (versions set through WeChat's API), each
                           shard's state written from a real template stack and \`pulumi stack import\`ed (no
                           creates through the engine); no one-stack runs
  --size N                 with --drift-only: about N resources of the default shape (3 plugins per mini program,
                           5 links per official account, 10 mini programs per official account), e.g. 70000 for
                           20,000 × 3 + 2,000 × 5; overrides the four shape options   (default 7000)
  --engine-check           with --drift-only: also \`drift\` with ${"PULUMI_WECHAT_FLEET_LOOK"}=engine (the engine's refresh),
                           which must find the same (no drift, every stack settled)   (default with --quick)
`;

const fleetSteps = [
  { key: "up", op: "up", title: "`up` (from scratch)", exit: 0 },
  { key: "noChange", op: "up", title: "no-change `up`", exit: 0 },
  { key: "drift", op: "drift", title: "`drift`", exit: 0 },
  { key: "oobDrift", op: "drift", title: "`drift` after 1% changed", exit: 2 },
  { key: "oobUp", op: "up", title: "`up` after 1% changed", exit: 0 },
  { key: "destroy", op: "destroy", title: "`destroy`", exit: 0 },
];
const singleSteps = fleetSteps.filter((step) => ["up", "noChange", "drift", "destroy"].includes(step.key));
const driftOnlySteps = [
  { key: "drift", op: "drift", title: "`drift`", exit: 0 },
  { key: "noChange", op: "up", title: "no-change `up`", exit: 0 },
];
const engineDriftStep = { key: "engineDrift", op: "drift", title: "`drift`, the engine looking", exit: 0, minimum: "drift", env: { [lookVariable]: "engine" } };

function options() {
  const values = benchArgs(usage, {
    "mini-programs": { type: "string", default: "2000" },
    "plugins-per": { type: "string", default: "3" },
    "official-accounts": { type: "string", default: "200" },
    "links-per": { type: "string", default: "5" },
    latency: { type: "string", default: "50" },
    shards: { type: "string" },
    concurrency: { type: "string" },
    "single-sizes": { type: "string" },
    quick: { type: "boolean", default: false },
    chart: { type: "string" },
    keep: { type: "boolean", default: false },
    "drift-only": { type: "boolean", default: false },
    size: { type: "string" },
    "engine-check": { type: "boolean" },
  });
  if (values.size !== undefined && !values["drift-only"]) throw new Error("--size goes with --drift-only");
  const driftOnly = values["drift-only"];
  if (driftOnly && values.size !== undefined) {
    const n = whole("size", values.size, 35);
    const miniPrograms = Math.round(n / 3.5);
    values["mini-programs"] = String(miniPrograms);
    values["official-accounts"] = String(Math.round(miniPrograms / 10));
    values["plugins-per"] = "3";
    values["links-per"] = "5";
  }
  const size = values.quick
    ? { miniPrograms: 40, pluginsPer: 3, officialAccounts: 4, linksPer: 3 }
    : {
        miniPrograms: whole("mini-programs", values["mini-programs"], 1),
        pluginsPer: whole("plugins-per", values["plugins-per"], 1),
        officialAccounts: whole("official-accounts", values["official-accounts"], 0),
        linksPer: whole("links-per", values["links-per"], 0),
      };
  const singles = driftOnly ? "none" : (values["single-sizes"] ?? (values.quick ? "50,100" : "100,200,400"));
  return {
    size,
    latency: whole("latency", values.latency, 0),
    shards: values.shards === undefined ? (values.quick ? 4 : undefined) : whole("shards", values.shards, 1),
    concurrency: values.concurrency === undefined ? defaultConcurrency() : whole("concurrency", values.concurrency, 1),
    singleSizes: singles === "none" ? [] : singles.split(",").map((r) => whole("single-sizes", r.trim(), 1)),
    chart: values.chart,
    keep: values.keep,
    driftOnly,
    engineCheck: values["engine-check"] ?? values.quick,
  };
}

const say = (text) => process.stderr.write(`bench:fleet: ${text}\n`);

/**
 * Samples the resident memory of `root` and every process under it every 250 ms: the peak of their sum, and the most
 * processes at once. RSS counts pages shared between processes (Node's and Pulumi's code) once per process, so the
 * sum is an upper bound of what the tree holds.
 */
function watchTree(root) {
  let peakKb = 0;
  let peakProcesses = 0;
  const sample = () => {
    const pids = [root, ...descendants(root)];
    let kb = 0;
    for (const pid of pids) {
      try {
        const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        if (match) kb += Number(match[1]);
      } catch {
        // ended between listing and reading
      }
    }
    peakKb = Math.max(peakKb, kb);
    peakProcesses = Math.max(peakProcesses, pids.length);
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      return { peakMb: peakKb / 1024, peakProcesses };
    },
  };
}

/** One fleet of a given size: its emulator, its project folder in the workspace, the runner run step by step. */
class FleetBench {
  constructor(workspace, label, size, latency, { existing = false } = {}) {
    this.label = label;
    this.size = size;
    this.latency = latency;
    this.world = generateFleet(size, { existing });
    this.dir = join(workspace.dir, "projects", label);
    this.cli = join(workspace.dir, "node_modules/pulumi-wechat/dist/fleet/cli.js");
    this.runs = 0;
  }

  async start() {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, "fleet.json"), JSON.stringify(this.world.spec));
    this.emulator = await startEmulator({ seed: this.world.seed, latencyMs: this.latency, port: 0 });
    this.wechat = new EmulatorClient(this.emulator.url);
    // As the e2e test runs it: credentials only in WECHAT_* variables, the runner's defaults for the backend
    // (.pulumi-state/ in the project) and the passphrase (empty).
    this.env = {
      ...pulumiEnv({ stateDir: join(this.dir, ".pulumi"), passphrase: "" }),
      WECHAT_ENDPOINT: this.emulator.url,
      WECHAT_COMPONENT_APP_ID: component.appId,
      WECHAT_COMPONENT_APP_SECRET: component.secret,
      WECHAT_COMPONENT_VERIFY_TICKET: component.verifyTicket,
    };
    delete this.env.PULUMI_BACKEND_URL;
    delete this.env.PULUMI_CONFIG_PASSPHRASE;
    // No WECHAT_AUTHORIZER_REFRESH_TOKENS: the runner's token broker takes them from api_get_authorizer_list, as a
    // platform with thousands of accounts runs it (the variable would pass Linux's 128 KiB limit at about 2,200).
  }

  async close() {
    await this.emulator?.close();
  }

  /** `pulumi-wechat-fleet <op> --spec fleet.json …` in the project; its exit code, report, wall time and memory. */
  async runner(op, flags, env = {}) {
    const json = join(this.dir, `report-${++this.runs}.json`);
    const args = [this.cli, op, "--spec", "fleet.json", ...flags, "--json", json];
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: this.dir, env: { ...this.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const memory = watchTree(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      for (const line of String(chunk).split(/\r|\n/)) if (line.trim()) process.stderr.write(`  ${this.label}: ${line.trim()}\n`);
    });
    const code = await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
    const seconds = (performance.now() - started) / 1000;
    let report;
    try {
      report = JSON.parse(readFileSync(json, "utf8"));
    } catch {
      report = undefined;
    }
    return { code, stdout, stderr, seconds, report, memory: memory.stop() };
  }

  /** The runner, which must exit 0 with no shard failed (the template's steps). */
  async runnerChecked(op, flags) {
    const run = await this.runner(op, flags);
    const failed = (run.report?.stacks ?? []).filter((s) => s.status !== "done");
    if (run.code !== 0 || failed.length > 0) throw new Error(`${this.label}: pulumi-wechat-fleet ${op} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  /** One step: the runner, the calls it made, and a check that it did what it should. */
  async step(step, flags, changed) {
    await this.wechat.clearCalls();
    const run = await this.runner(step.op, flags, step.env);
    if (run.code !== step.exit) {
      throw new Error(`${this.label} ${step.key}: pulumi-wechat-fleet ${step.op} exited ${run.code}, expected ${step.exit}\n${run.stdout}\n${run.stderr}`);
    }
    const log = await this.wechat.calls();
    const calls = { ...summarizeCalls(log, this.latency), raw: log.counts };
    const counts = totalCounts(run.report);
    await this.check(step.key, counts, run.report, changed);
    const stacks = run.report?.stacks ?? [];
    const look = {
      engine: stacks.filter((s) => s.engineLook !== undefined).length,
      engineWhy: [...new Set(stacks.flatMap((s) => (s.engineLook === undefined ? [] : [s.engineLook.replace(/urn:\S+/g, "<urn>")])))],
      settled: stacks.filter((s) => s.settled === true).length,
      looked: stacks.filter((s) => s.settled !== undefined).length,
    };
    const result = { ...run, calls, counts, look, minimum: fleetMinimum(step.minimum ?? step.key, this.world.counts, changed), shards: run.report?.shards };
    delete result.stdout;
    say(
      `${this.label} ${step.key}: ${run.seconds.toFixed(1)} s, ${run.report?.shards} shards, ${calls.total} WeChat calls, ` +
        `peak ${run.memory.peakMb.toFixed(0)} MB in ${run.memory.peakProcesses} processes; the engine looked at ${look.engine} stacks${look.engineWhy.length ? ` (${look.engineWhy.join("; ")})` : ""}, ${look.settled} of ${look.looked} settled`,
    );
    return result;
  }

  /** What WeChat and the report must show after each step. */
  async check(key, counts, report, changed) {
    const { plugins, links, resources } = this.world.counts;
    const { bindings, links: linked } = await this.wechat.state();
    const expected = key === "destroy" ? [0, 0] : key === "oobDrift" ? [plugins - changed.plugins, links - changed.links] : [plugins, links];
    const problems = [];
    if (bindings.length !== expected[0] || linked.length !== expected[1]) problems.push(`WeChat holds ${bindings.length} plugins and ${linked.length} links; expected ${expected.join(" and ")}`);
    if (counts.failed > 0) problems.push(`${counts.failed} resources failed`);
    const want = {
      up: { created: resources },
      noChange: { unchanged: resources, created: 0, updated: 0, deleted: 0 },
      drift: { unchanged: resources },
      engineDrift: { unchanged: resources },
      oobDrift: { created: changed.plugins + changed.links },
      oobUp: { created: changed.plugins + changed.links },
      destroy: { deleted: resources },
    }[key];
    for (const [name, n] of Object.entries(want)) if (counts[name] !== n) problems.push(`${name} ${counts[name]}, expected ${n}`);
    if (["drift", "engineDrift", "noChange"].includes(key)) {
      const lines = report.stacks.reduce((sum, s) => sum + s.drift.length, 0);
      if (lines !== 0) problems.push(`${lines} drift lines, expected none`);
      // With the fleet's stacks as WeChat holds them, every look finds its stack settled (plan.ts); a stack not
      // looked at (no settled in its report) is one the runner went through the engine's up for.
      const unsettled = report.stacks.filter((s) => s.settled !== true).map((s) => s.stack);
      if (unsettled.length > 0) problems.push(`stacks not settled: ${unsettled.slice(0, 5).join(", ")}${unsettled.length > 5 ? ", …" : ""}`);
    }
    if (key === "oobDrift") {
      const lines = report.stacks.reduce((sum, s) => sum + s.drift.length, 0);
      if (lines !== changed.plugins + changed.links) problems.push(`${lines} drift lines, expected ${changed.plugins + changed.links}`);
    }
    if (problems.length > 0) throw new Error(`${this.label} after ${key}: ${problems.join("; ")}`);
  }

  /**
   * The out-of-band change, through WeChat's own API with each account's own token (as someone in WeChat's console):
   * the last plugin unbound on 1% of the mini programs, the first link withdrawn on 1% of the official accounts.
   */
  async changeOutOfBand() {
    const { miniPrograms, officialAccounts } = this.world.accounts;
    const every = (list) => {
      const n = list.length === 0 ? 0 : Math.max(1, Math.round(list.length / 100));
      return Array.from({ length: n }, (_, i) => list[Math.floor((i * list.length) / n)]);
    };
    const lastPlugin = this.world.seed.plugins.at(-1).appId;
    const mps = every(miniPrograms);
    const oas = every(officialAccounts.filter((oa) => this.world.spec.officialAccounts.find((s) => s.appId === oa.appId)?.links.length > 0));
    for (const mp of mps) await this.callWeChat("/wxa/plugin", mp, { action: "unbind", plugin_appid: lastPlugin });
    for (const oa of oas) {
      const { miniProgramAppId } = this.world.spec.officialAccounts.find((s) => s.appId === oa.appId).links[0];
      await this.callWeChat("/cgi-bin/wxopen/wxampunlink", oa, { appid: miniProgramAppId });
    }
    return { plugins: mps.length, links: oas.length, accounts: mps.length + oas.length };
  }

  async callWeChat(path, account, body) {
    const post = async (url, payload) => (await fetch(`${this.emulator.url}${url}`, { method: "POST", body: JSON.stringify(payload) })).json();
    const { access_token } = await post("/cgi-bin/stable_token", { grant_type: "client_credential", appid: account.appId, secret: account.secret });
    const answer = await post(`${path}?access_token=${encodeURIComponent(access_token)}`, body);
    if (answer.errcode !== 0) throw new Error(`${path} for ${account.appId}: ${JSON.stringify(answer)}`);
  }
}

function totalCounts(report) {
  const sum = { created: 0, updated: 0, replaced: 0, deleted: 0, unchanged: 0, failed: 0 };
  for (const stack of report?.stacks ?? []) for (const name of Object.keys(sum)) sum[name] += stack.counts[name];
  return sum;
}

const sizeLabel = (s) => `M${s.miniPrograms}x${s.pluginsPer}-K${s.officialAccounts}x${s.linksPer}`;

async function runFleet(workspace, size, latency, shards, concurrency) {
  const bench = new FleetBench(workspace, `fleet-${sizeLabel(size)}`, size, latency);
  await bench.start();
  try {
    const flags = [...(shards ? ["--shards", String(shards)] : []), "--concurrency", String(concurrency)];
    const results = {};
    let changed = { plugins: 0, links: 0, accounts: 0 };
    for (const step of fleetSteps) {
      if (step.key === "oobDrift") {
        changed = await bench.changeOutOfBand();
        say(`${bench.label}: out of band, unbound a plugin on ${changed.plugins} mini programs and withdrew a link on ${changed.links} official accounts`);
      }
      results[step.key] = await bench.step(step, flags, changed);
    }
    return { size, counts: bench.world.counts, results, changed, concurrency, latency };
  } finally {
    await bench.close();
  }
}

/**
 * The drift-only mode: WeChat as the seed's generate.existing and WeChat's quick updates leave it, the states written
 * from a real template stack and imported (fleet-state.mjs), then `drift`, a no-change `up` and, with engineCheck,
 * `drift` through the engine's refresh.
 */
async function runDriftOnly(workspace, size, latency, shards, concurrency, engineCheck) {
  const bench = new FleetBench(workspace, `drift-only-${sizeLabel(size)}`, size, latency, { existing: true });
  const making = {};
  let started = performance.now();
  await bench.start();
  try {
    say(`${bench.label}: setting the ${bench.world.counts.plugins} bindings' versions through WeChat's API`);
    making.versions = await setVersions(bench.emulator.url, bench.world);
    making.world = (performance.now() - started) / 1000;
    say(`${bench.label}: WeChat made in ${making.world.toFixed(1)} s (${making.versions.calls} calls for the versions, ${making.versions.seconds.toFixed(1)} s)`);

    started = performance.now();
    const links = Math.max(1, size.linksPer);
    const template = new FleetBench(workspace, `template-${sizeLabel(size)}`, { miniPrograms: links, pluginsPer: size.pluginsPer, officialAccounts: 1, linksPer: links }, 0);
    await template.start();
    let deployment;
    try {
      deployment = await templateDeployment(template);
    } finally {
      await template.close();
    }
    making.template = (performance.now() - started) / 1000;
    say(`${bench.label}: template stack made for real and exported in ${making.template.toFixed(1)} s`);

    started = performance.now();
    const count = shards ?? Math.max(1, Math.ceil(bench.world.counts.resources / resourcesPerShard));
    let done = 0;
    const imported = await importStates({
      dir: bench.dir,
      env: bench.env,
      world: bench.world,
      shards: count,
      template: deployment,
      wechat: await bench.wechat.state(),
      concurrency: Math.max(2, concurrency),
      progress: () => {
        done += 1;
        if (done % 20 === 0 || done === count) say(`${bench.label}: ${done} of ${count} stacks imported (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      },
    });
    if (imported.resources !== bench.world.counts.resources) throw new Error(`imported ${imported.resources} resources, the fleet has ${bench.world.counts.resources}`);
    making.states = imported.seconds;
    making.stacks = imported.stacks;
    say(`${bench.label}: ${imported.resources} resources in ${imported.stacks} stacks written and imported in ${imported.seconds.toFixed(1)} s`);

    const flags = ["--concurrency", String(concurrency)];
    const steps = engineCheck ? [...driftOnlySteps, engineDriftStep] : driftOnlySteps;
    const results = {};
    for (const step of steps) results[step.key] = await bench.step(step, flags, { plugins: 0, links: 0 });
    return { size, counts: bench.world.counts, results, concurrency, latency, making, steps };
  } finally {
    await bench.close();
  }
}

async function runSingle(workspace, size, latency) {
  const bench = new FleetBench(workspace, `one-stack-${sizeLabel(size)}`, size, latency);
  await bench.start();
  try {
    const results = {};
    for (const step of singleSteps) results[step.key] = await bench.step(step, ["--shards", "1", "--concurrency", "1"], { plugins: 0, links: 0 });
    return { size, counts: bench.world.counts, results };
  } finally {
    await bench.close();
  }
}

// ---- Output ----------------------------------------------------------------------------------------------------

const row = (cells) => `| ${cells.join(" | ")} |`;
const versus = (measured, minimum) => (measured > minimum ? `**${measured}** / ${minimum}` : `${measured} / ${minimum}`);
const fmtSeconds = (s) => (s >= 120 ? `${s.toFixed(0)} s (${(s / 60).toFixed(1)} min)` : `${s.toFixed(1)} s`);
const fmtMb = (mb) => (mb >= 1024 ? `${(mb / 1024).toFixed(2)} GB` : `${mb.toFixed(0)} MB`);
const sumOf = (minimum) => Object.values(minimum).reduce((a, b) => a + b, 0);

function fleetTable(run, steps) {
  const { results } = run;
  const lines = [row(["", ...steps.map((s) => s.title)]), row(["---", ...steps.map(() => "---:")])];
  const line = (label, cell) => lines.push(row([label, ...steps.map((s) => cell(results[s.key], s))]));
  const heading = (label) => lines.push(row([`**${label}**`, ...steps.map(() => "")]));
  heading("WeChat calls, measured / minimum");
  const shown = callKinds.filter((kind) => steps.some((s) => results[s.key].calls.byKind[kind.key] > 0 || (results[s.key].minimum[kind.key] ?? 0) > 0));
  for (const kind of shown) line(kind.label, (r) => versus(r.calls.byKind[kind.key], r.minimum[kind.key] ?? 0));
  // Calls of kinds the minimums do not name, each on its own line.
  const known = new Set(callKinds.map((kind) => kind.key));
  const others = [...new Set(steps.flatMap((s) => Object.keys(results[s.key].calls.raw)))].filter((key) => !known.has(key)).sort();
  for (const key of others) line(`other: \`${key}\``, (r) => versus(r.calls.raw[key] ?? 0, 0));
  line("all calls", (r) => versus(r.calls.total, sumOf(r.minimum)));
  line("failed calls (errcode ≠ 0)", (r) => String(r.calls.failed));
  line("most `api_authorizer_token` calls for one account", (r) => String(r.calls.maxTokensPerAccount));
  line("tokens the runner's broker fetched (component / accounts)", (r) => (r.report ? `${r.report.tokens.componentTokens} / ${r.report.tokens.accountTokens}` : "–"));
  heading("Resources (the runner's report)");
  line("created / deleted / unchanged", (r) => `${r.counts.created} / ${r.counts.deleted} / ${r.counts.unchanged}`);
  line("updated, replaced, failed", (r) => `${r.counts.updated}, ${r.counts.replaced}, ${r.counts.failed}`);
  heading("Time and memory");
  line("wall time (the runner's command)", (r) => `**${fmtSeconds(r.seconds)}**`);
  line("WeChat busy: first call to last answer", (r) => (r.calls.total === 0 ? "–" : fmtSeconds(r.calls.spanSeconds)));
  if (steps.some((s) => ["drift", "noChange", "engineDrift"].includes(s.key))) {
    const floor = (r, s, kinds) => (["drift", "noChange", "engineDrift", "oobDrift"].includes(s.key) ? fmtSeconds(wechatFloor(r.minimum, kinds, run.latency, run.concurrency)) : "–");
    line(`WeChat floor: list calls × latency ÷ ${inFlight(run.concurrency)} in flight`, (r, s) => floor(r, s, listKinds));
    line("WeChat floor with the token calls", (r, s) => floor(r, s, undefined));
    line("stacks the runner looked at / the engine looked at / settled", (r) => (r.look.looked === 0 ? "–" : `${r.look.looked - r.look.engine} / ${r.look.engine} / ${r.look.settled}`));
  }
  line("slowest shard", (r) => fmtSeconds(Math.max(0, ...(r.report?.stacks ?? []).map((s) => s.seconds))));
  line("shards / concurrency", (r) => `${r.shards} / ${run.concurrency ?? 1}`);
  line("peak RSS, runner and every process under it", (r) => `**${fmtMb(r.memory.peakMb)}**`);
  line("most processes at once", (r) => String(r.memory.peakProcesses));
  return lines.join("\n");
}

const listKinds = ["/wxa/plugin#list", "/cgi-bin/wxopen/wxamplinkget"];

/**
 * The calls the runner has in flight at most when it looks itself (look.ts): each shard it looks at reads --parallel
 * resources at once (32 by default), `concurrency` × lookShardsPerSlot shards at once, all through the token broker's
 * one client, whose pool holds runnerConnections connections to WeChat, one call each: the smaller bounds it.
 */
const inFlight = (concurrency) => Math.min(defaultParallel * concurrency * lookShardsPerSlot, runnerConnections);

/** The least time WeChat's latency allows for `minimum`'s calls of `kinds` (all kinds when undefined), `inFlight` at a time. */
function wechatFloor(minimum, kinds, latency, concurrency) {
  const calls = Object.entries(minimum).reduce((sum, [kind, n]) => sum + (kinds === undefined || kinds.includes(kind) ? n : 0), 0);
  return (calls * latency) / 1000 / inFlight(concurrency);
}

function growthTable(singles, fleet, fit) {
  const lines = [
    row(["run", "resources (M × P + K × L)", "shards", "`up` from scratch", "no-change `up`", "`drift`", "`destroy`", "calls: up / drift (minimum)", "peak RSS"]),
    row(["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]),
  ];
  const add = (name, run) => {
    const r = run.results;
    const s = run.size;
    lines.push(
      row([
        name,
        `${run.counts.resources} (${s.miniPrograms} × ${s.pluginsPer} + ${s.officialAccounts} × ${s.linksPer})`,
        String(r.up.shards),
        fmtSeconds(r.up.seconds),
        fmtSeconds(r.noChange.seconds),
        fmtSeconds(r.drift.seconds),
        fmtSeconds(r.destroy.seconds),
        `${r.up.calls.total} (${sumOf(r.up.minimum)}) / ${r.drift.calls.total} (${sumOf(r.drift.minimum)})`,
        fmtMb(Math.max(...Object.values(r).map((x) => x.memory.peakMb))),
      ]),
    );
  };
  for (const run of singles) add("one stack", run);
  if (fleet) add(`fleet, concurrency ${fleet.concurrency}`, fleet);
  if (fleet && fit) {
    const n = fleet.counts.resources;
    lines.push(row(["one stack, extrapolated", String(n), "1", fmtSeconds(evaluate(fit, n)), "", "", "", "", ""]));
  }
  return lines.join("\n");
}

function targets(fleet, fit) {
  const r = fleet.results;
  const lines = [row(["target (issue 13)", "measured", "met"]), row(["---", "---:", ":---:"])];
  const mark = (ok) => (ok ? "yes" : "**no**");
  const exact = (key) => callKinds.every((kind) => r[key].calls.byKind[kind.key] === (r[key].minimum[kind.key] ?? 0)) && r[key].calls.byKind.other === 0;
  lines.push(row(["`drift`: one list per account plus the tokens, nothing else", `${r.drift.calls.total} calls / ${sumOf(r.drift.minimum)}`, mark(exact("drift"))]));
  lines.push(row(["no-change `up`: the same", `${r.noChange.calls.total} calls / ${sumOf(r.noChange.minimum)}`, mark(exact("noChange"))]));
  const lists = r.up.calls.byKind["/wxa/plugin#list"] + r.up.calls.byKind["/cgi-bin/wxopen/wxamplinkget"];
  const minLists = r.up.minimum["/wxa/plugin#list"] + r.up.minimum["/cgi-bin/wxopen/wxamplinkget"];
  const writeKinds = ["/wxa/plugin#apply", "/wxa/plugin#update", "/cgi-bin/wxopen/wxamplink"];
  const writes = (counts) => writeKinds.reduce((sum, kind) => sum + (counts[kind] ?? 0), 0);
  lines.push(
    row([
      "`up` from scratch: one apply (and version update) per plugin, one `wxamplink` per link, lists close to one per account (and new link)",
      `lists ${lists} / ${minLists} (${(lists / minLists).toFixed(2)}×); writes ${writes(r.up.calls.byKind)} / ${writes(r.up.minimum)}`,
      mark(lists <= minLists * 1.1 && writes(r.up.calls.byKind) === writes(r.up.minimum)),
    ]),
  );
  lines.push(row(["`drift` within 2 min", fmtSeconds(r.drift.seconds), mark(r.drift.seconds <= 120)]));
  lines.push(row(["no-change `up` within 2 min", fmtSeconds(r.noChange.seconds), mark(r.noChange.seconds <= 120)]));
  lines.push(row(["`up` from scratch within 6 min", fmtSeconds(r.up.seconds), mark(r.up.seconds <= 360)]));
  if (fit) {
    const one = evaluate(fit, fleet.counts.resources);
    lines.push(row(["`up` ≥ 10× faster than one stack (extrapolated)", `${fmtSeconds(one)} / ${fmtSeconds(r.up.seconds)} = ${(one / r.up.seconds).toFixed(1)}×`, mark(one / r.up.seconds >= 10)]));
  }
  const peak = Math.max(...Object.values(r).map((x) => x.memory.peakMb));
  lines.push(row([`memory within 4 GB at concurrency ${fleet.concurrency}`, fmtMb(peak), mark(peak <= 4096)]));
  return lines.join("\n");
}

const formatLoad = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(", ");

function machine(loadAtStart, latency) {
  const cpu = cpus();
  return [
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${platform()} ${release()}`,
    `- Node ${process.versions.node}, Pulumi CLI ${pulumiCliVersion()}, @pulumi/pulumi ${installedPulumiVersion()}; ${latency} ms per WeChat call; local file backend`,
    `- Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${formatLoad()} (other work on the machine skews the times)`,
  ].join("\n");
}

async function main() {
  const started = performance.now();
  const loadAtStart = formatLoad();
  const opts = options();
  say("checking the Pulumi CLI");
  ensurePulumi();
  say("packing pulumi-wechat and installing it into a temporary workspace");
  const workspace = createWorkspace("pulumi-wechat-bench-fleet-");
  let fleet;
  const singles = [];
  try {
    const world = generateFleet(opts.size);
    const shards = opts.shards ?? Math.max(1, Math.ceil(world.counts.resources / resourcesPerShard));
    say(`fleet: ${world.counts.resources} resources (${opts.size.miniPrograms} mini programs × ${opts.size.pluginsPer} plugins, ${opts.size.officialAccounts} official accounts × ${opts.size.linksPer} links), ${shards} shards, concurrency ${opts.concurrency}${opts.driftOnly ? ", drift only" : ""}`);
    if (opts.driftOnly) {
      const run = await runDriftOnly(workspace, opts.size, opts.latency, opts.shards, opts.concurrency, opts.engineCheck);
      process.stdout.write(`${driftOnlyReport(run, loadAtStart, (performance.now() - started) / 60_000)}\n`);
      return;
    }
    fleet = await runFleet(workspace, opts.size, opts.latency, opts.shards, opts.concurrency);
    for (const resources of opts.singleSizes) {
      const size = scaledSize(opts.size, resources);
      say(`one stack: about ${resources} resources (${sizeLabel(size)})`);
      singles.push(await runSingle(workspace, size, opts.latency));
    }
  } finally {
    if (opts.keep) say(`workspace kept at ${workspace.dir}`);
    else workspace.remove();
  }

  const points = singles.map((s) => ({ n: s.counts.resources, t: s.results.up.seconds }));
  const fit = points.length > 0 ? quadraticFit(points) : undefined;
  const minutes = (performance.now() - started) / 60_000;
  const s = opts.size;
  const out = [
    machine(loadAtStart, opts.latency),
    `- Benchmark wall time, set-up included: ${minutes.toFixed(1)} min`,
    "",
    `### Fleet: ${fleet.counts.resources} resources (${s.miniPrograms} mini programs × ${s.pluginsPer} plugins, ${s.officialAccounts} official accounts × ${s.linksPer} links), ${fleet.results.up.shards} shards, ${opts.concurrency} at once`,
    "",
    fleetTable(fleet, fleetSteps),
    "",
    `Out of band (through WeChat's API, before the second \`drift\`): a plugin unbound on ${fleet.changed.plugins} mini programs and a link withdrawn on ${fleet.changed.links} official accounts (${fleet.changed.accounts} accounts, 1%).`,
    "",
  ];
  if (singles.length > 0) {
    out.push("### One stack beside the fleet", "", growthTable(singles, fleet, fit), "", `One stack at the fleet's size: ${fit.how}, evaluated at ${fleet.counts.resources} resources.`, "");
  }
  out.push("### Against the targets", "", targets(fleet, fit), "", legend, "");
  process.stdout.write(`${out.join("\n")}\n`);

  if (opts.chart) {
    const svg = renderChart({
      single: points,
      fleet: [{ n: fleet.counts.resources, t: fleet.results.up.seconds, shards: fleet.results.up.shards }],
      fit: fit ?? { a: 0, b: 0, c: 0 },
      title: "pulumi-wechat: `up` from scratch, one stack against the fleet runner",
      note: `${cpus().length} cores, ${opts.latency} ms per WeChat call, local file backend, fleet concurrency ${opts.concurrency}`,
    });
    mkdirSync(dirname(opts.chart), { recursive: true });
    writeFileSync(opts.chart, svg);
    say(`chart written to ${opts.chart}`);
  }
}

function driftOnlyReport(run, loadAtStart, minutes) {
  const s = run.size;
  const r = run.results;
  const { making } = run;
  const peak = Math.max(...Object.values(r).map((x) => x.memory.peakMb));
  const mark = (ok) => (ok ? "yes" : "**no**");
  const lines = [row(["target", "measured", "met"]), row(["---", "---:", ":---:"])];
  const exact = (key) => callKinds.every((kind) => r[key].calls.byKind[kind.key] === (r[key].minimum[kind.key] ?? 0)) && r[key].calls.byKind.other === 0;
  const large = run.counts.resources > 10_000;
  lines.push(row(["`drift`: the minimum of calls", `${r.drift.calls.total} / ${sumOf(r.drift.minimum)}`, mark(exact("drift"))]));
  lines.push(row(["no-change `up`: the minimum of calls", `${r.noChange.calls.total} / ${sumOf(r.noChange.minimum)}`, mark(exact("noChange"))]));
  lines.push(row(["every stack looked at by the runner itself, and settled", `${r.drift.look.looked - r.drift.look.engine} of ${r.drift.shards}, ${r.drift.look.settled} settled`, mark(r.drift.look.engine === 0 && r.drift.look.settled === r.drift.shards)]));
  if (large) {
    lines.push(row(["`drift` within 2 min", fmtSeconds(r.drift.seconds), mark(r.drift.seconds <= 120)]));
  } else {
    lines.push(row(["`drift` within 15 s", fmtSeconds(r.drift.seconds), mark(r.drift.seconds <= 15)]));
    lines.push(row(["no-change `up` within 20 s", fmtSeconds(r.noChange.seconds), mark(r.noChange.seconds <= 20)]));
  }
  lines.push(row([`memory within 4 GB at concurrency ${run.concurrency}`, fmtMb(peak), mark(peak <= 4096)]));
  if (r.engineDrift) {
    const agree = r.engineDrift.counts.unchanged === r.drift.counts.unchanged && r.engineDrift.look.settled === r.drift.look.settled;
    lines.push(row(["the engine's refresh agrees (no drift, every stack settled)", `${r.engineDrift.counts.unchanged} unchanged, ${r.engineDrift.look.settled} of ${r.engineDrift.shards} settled`, mark(agree)]));
  }
  const why = [...new Set(Object.values(r).flatMap((x) => (x === r.engineDrift ? [] : x.look.engineWhy)))];
  return [
    machine(loadAtStart, run.latency),
    `- Benchmark wall time, set-up included: ${minutes.toFixed(1)} min`,
    "",
    `### Drift only: ${run.counts.resources} resources (${s.miniPrograms} mini programs × ${s.pluginsPer} plugins, ${s.officialAccounts} official accounts × ${s.linksPer} links), ${r.drift.shards} shards, ${run.concurrency} at once`,
    "",
    `Made without the engine's creates: WeChat in ${fmtSeconds(making.world)} (the seed's generate.existing, then ${making.versions.calls} calls of WeChat's API setting the versions, ${fmtSeconds(making.versions.seconds)}); a template stack made for real (\`up\`, both admins accepting the links, \`up\` again) and exported in ${fmtSeconds(making.template)}; ${making.stacks} stacks created, tagged and their states imported (\`pulumi stack init\`, \`stack tag set\`, \`stack import\`, ${Math.max(2, run.concurrency)} stacks at once) in ${fmtSeconds(making.states)}.`,
    "",
    fleetTable(run, run.steps),
    "",
    ...(why.length > 0 ? [`The engine looked instead of the runner: ${why.join("; ")}.`, ""] : []),
    "### Against the targets",
    "",
    lines.join("\n"),
    "",
    `WeChat floor: the minimum's list calls (one per account) × ${run.latency} ms ÷ the calls in flight, here ${inFlight(run.concurrency)}: the runner's own look reads --parallel (${defaultParallel}) resources of each of ${run.concurrency * lookShardsPerSlot} shards at once (${lookShardsPerSlot} per --concurrency slot), through the token broker's one client, whose pool holds ${runnerConnections} connections to WeChat, so the smaller of ${defaultParallel * run.concurrency * lookShardsPerSlot} and ${runnerConnections} bounds it; the accounts' tokens go through the same pool, hence the second floor.`,
    "",
    legend,
    "",
  ].join("\n");
}

const legend = `Minimums: the platform's component token once, the pages of its authorizer list once (for the accounts' refresh
tokens) and each account's token once per run (the runner's token broker serves every stack); one list per account to
read (M plugin lists, K link lists; a create's lists counted at that same lower bound, plus one link list per new link:
the generated spec gives no mini program's original id, which WeChat's link list names it by); one apply and one
version update per plugin and one \`wxamplink\` per link created; one unbind per plugin, one unlink per link and one
link list per official account to destroy. A figure above its minimum is in bold. The runner's \`up\` refreshes a stack
that exists first (without its program, as \`drift\` does) and updates it only when something would change, so a no-change \`up\` reads every account once and
an \`up\` with changes reads the accounts of the shards that have them twice. Wall time: the runner's whole command,
stacks' start-up included. Peak RSS: the sum of VmRSS over the runner and every process under it (Pulumi CLIs,
language hosts, programs, providers), sampled every 250 ms; shared pages count once per process, so it is an upper
bound.`;

main().catch((error) => {
  process.stderr.write(`bench:fleet failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});

