// `npm run bench`: how many WeChat calls pulumi-wechat makes, and how much time it adds to the Pulumi engine's own.
//
// For each size it generates a world (an emulator seed and a program of P plugins over M mini programs and L links
// over K official accounts), starts the emulator with a simulated latency per call, and runs `pulumi up`, a
// no-change `pulumi up`, `pulumi preview --refresh` and `pulumi destroy` on two programs in turn: one with
// pulumi-wechat's resources, and a baseline with as many dynamic resources whose provider does nothing. One more step
// measures `pulumi preview --refresh` with a token store (`wechat:tokenStore`, a redis-server the benchmark starts).
// It prints a Markdown table per size: calls by kind beside the minimum, wall time beside the baseline's, and the
// provider process's peak memory. Progress goes to stderr, the tables to stdout.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createWorkspace, ensurePulumi, installedPulumiVersion, pulumiCliVersion, repoRoot } from "../scripts/pulumi-project.mjs";
import { minimumCalls, summarizeCalls } from "./calls.mjs";
import { startConnectionCounter } from "./connections.mjs";
import { Project } from "./projects.mjs";
import { startRedis } from "./redis.mjs";
import { growthTable, legend, sizeTable } from "./table.mjs";
import { benchArgs, whole, worldOptions, worldSize } from "./args.mjs";
import { generateWorld } from "./world.mjs";

const require = createRequire(import.meta.url);
const { EmulatorClient, startEmulator } = require("../dist/emulator/index.js");

const usage = `Usage: npm run bench -- [options]

  --plugins P             MiniProgramPlugin resources                          (default 200)
  --mini-programs M       mini programs the plugins are spread over            (default 20)
  --links L               OfficialAccountLink resources                        (default 20)
  --official-accounts K   official accounts the links are spread over          (default 4)
  --latency MS            simulated latency of every WeChat call               (default 50)
  --sizes P1,P2,...       several plugin counts in one run, e.g. 50,200,800, with M, L and K as given
  --repeat N              rounds of the five steps (up, no-change up, preview --refresh, the same with a
                          Redis token store, destroy); times are medians, calls and memory the worst
                                                                               (default 3)
  --order ORDER           grouped: resources declared account by account; interleaved: round-robin
                          over the accounts                                    (default grouped)
  --parallel N            the engine's --parallel for up, preview and destroy  (default: the CLI's, 4 x cores)
  --skip-checkpoints      run both programs with PULUMI_SKIP_CHECKPOINTS=true: the engine without the
                          local backend's rewrite of the whole state after every step
  --usernames             give every link miniProgramUsername, so no api_get_authorizer_info lookups
  --quick                 a small smoke run: P=20, M=4, L=4, K=2
  --keep                  keep the temporary workspace and print its path
`;

const refreshArgs = ["preview", "--refresh", "--expect-no-changes"];

// `tokenStore`: the step runs on the token-store stack, whose tokens its own `up` left in Redis, against the
// baseline's same command; it comes before `destroy`, while the baseline still holds its resources.
const steps = [
  { key: "up", title: "`up` (create)", args: ["up", "--yes", "--skip-preview"], target: 1.5 },
  { key: "noChange", title: "no-change `up`", args: ["up", "--yes", "--skip-preview", "--expect-no-changes"], target: 1.3 },
  { key: "refresh", title: "`preview --refresh`", args: refreshArgs, target: 1.3 },
  { key: "refreshStore", title: "`preview --refresh`, token store", args: refreshArgs, target: 1.3, tokenStore: true },
  { key: "destroy", title: "`destroy`", args: ["destroy", "--yes", "--skip-preview"] },
];

function options() {
  const values = benchArgs(usage, {
    ...worldOptions,
    sizes: { type: "string" },
    parallel: { type: "string" },
    repeat: { type: "string", default: "3" },
    order: { type: "string", default: "grouped" },
    usernames: { type: "boolean", default: false },
    "skip-checkpoints": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  });
  const base = worldSize(values);
  const common = {
    latency: whole("latency", values.latency, 0),
    usernames: values.usernames,
    order: values.order,
    skipCheckpoints: values["skip-checkpoints"],
  };
  const pluginCounts = values.sizes ? values.sizes.split(",").map((p) => whole("sizes", p.trim(), 0)) : [base.plugins];
  return {
    sizes: pluginCounts.map((plugins) => ({ ...base, ...common, plugins })),
    parallel: values.parallel === undefined ? undefined : whole("parallel", values.parallel, 1),
    repeat: whole("repeat", values.repeat, 1),
    keep: values.keep,
  };
}

const say = (text) => process.stderr.write(`bench: ${text}\n`);

/** An emulator of the world, behind a connection counter: the stack's endpoint is the counter's URL. */
async function startWeChat(world, latencyMs) {
  const emulator = await startEmulator({ seed: world.seed, latencyMs, port: 0 });
  const counter = await startConnectionCounter(emulator.url);
  return {
    url: counter.url,
    client: new EmulatorClient(emulator.url),
    counter,
    async close() {
      await counter.close();
      await emulator.close();
    },
  };
}

async function runSize(workspace, size, parallel, repeat) {
  const world = generateWorld(size);
  const label = `P${size.plugins}-M${size.miniPrograms}-L${size.links}-K${size.officialAccounts}`;
  const env = size.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {};
  const ours = new Project(workspace, `wechat-${label}`, "wechat", world.spec, env);
  const stored = new Project(workspace, `wechat-store-${label}`, "wechat", world.spec, env);
  const baseline = new Project(workspace, `baseline-${label}`, "baseline", world.spec, env);
  const wechat = await startWeChat(world, size.latency);
  // The token-store stack binds the same plugins, so it needs a WeChat of its own (a stack fails on bindings another
  // stack made); there no other stack's token calls supersede the tokens in its store.
  const storeWeChat = await startWeChat(world, size.latency);
  const redis = await startRedis();
  try {
    const parallelArgs = parallel ? ["--parallel", String(parallel)] : [];
    await ours.init({ "wechat:endpoint": wechat.url, ...world.config });
    await stored.init({ "wechat:endpoint": storeWeChat.url, ...world.config });
    // The default layout (wxjava) and mode (read-write); the URL holds no password, so it stays plain text.
    await stored.setConfig({ "wechat:tokenStore": redis.url }, { plaintext: true });
    await baseline.init();
    // Its `up` finds the store empty, fetches every token as without a store and writes it back: the measured
    // refreshes then read them there.
    say(`${label}: filling the token store with the token-store stack's up`);
    await stored.must(["up", "--yes", "--skip-preview", ...parallelArgs]);
    await checkWorld(storeWeChat.client, "up", size);
    const samples = Object.fromEntries(steps.map((step) => [step.key, []]));
    for (let round = 1; round <= repeat; round++) {
      for (const step of steps) {
        const [project, target] = step.tokenStore ? [stored, storeWeChat] : [ours, wechat];
        // The baseline runs first, then pulumi-wechat, step by step, so that both see the machine in the same state.
        const base = await baseline.must([...step.args, ...parallelArgs]);
        await target.client.clearCalls();
        target.counter.take();
        const measured = await project.must([...step.args, ...parallelArgs]);
        const calls = summarizeCalls(await target.client.calls(), size.latency);
        samples[step.key].push({ wechat: measured, baseline: base, calls, connections: target.counter.take() });
        say(
          `${label} round ${round}/${repeat} ${step.key}: pulumi-wechat ${measured.seconds.toFixed(1)} s, baseline ${base.seconds.toFixed(1)} s, ` +
            `${calls.total} calls, provider peak ${measured.provider.peakRssMb.toFixed(0)} MB`,
        );
        await checkWorld(target.client, step.key, size);
      }
    }
    const results = Object.fromEntries(steps.map((step) => [step.key, { ...aggregate(samples[step.key]), minimum: minimumCalls(step.key, world.counts) }]));
    return { size, repeat, results };
  } finally {
    await ours.remove();
    await stored.remove();
    await baseline.remove();
    await redis.stop();
    await storeWeChat.close();
    await wechat.close();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const most = (values) => Math.max(...values);

/**
 * One figure per step from its rounds: the median wall time and CPU time (the machine's noise), and the worst
 * of everything the targets bound from above (calls of each kind, peak memory, processes, connections).
 */
function aggregate(samples) {
  const run = (program) => ({
    seconds: median(samples.map((s) => s[program].seconds)),
    provider: {
      peakRssMb: most(samples.map((s) => s[program].provider.peakRssMb)),
      cpuSeconds: median(samples.map((s) => s[program].provider.cpuSeconds)),
      processes: most(samples.map((s) => s[program].provider.processes)),
    },
  });
  const kinds = Object.keys(samples[0].calls.byKind);
  return {
    wechat: run("wechat"),
    baseline: run("baseline"),
    calls: {
      byKind: Object.fromEntries(kinds.map((kind) => [kind, most(samples.map((s) => s.calls.byKind[kind]))])),
      total: most(samples.map((s) => s.calls.total)),
      failed: most(samples.map((s) => s.calls.failed)),
      maxTokensPerAccount: most(samples.map((s) => s.calls.maxTokensPerAccount)),
      spanSeconds: median(samples.map((s) => s.calls.spanSeconds)),
    },
    connections: most(samples.map((s) => s.connections)),
  };
}

/** The emulator must hold exactly what the program declares after `up`, and nothing after `destroy`. */
async function checkWorld(wechat, step, size) {
  const { bindings, links } = await wechat.state();
  const expected = step === "destroy" ? { bindings: 0, links: 0 } : { bindings: size.plugins, links: size.links };
  if (bindings.length !== expected.bindings || links.length !== expected.links) {
    throw new Error(`after ${step} the emulator holds ${bindings.length} plugins and ${links.length} links; expected ${expected.bindings} and ${expected.links}`);
  }
}

/** The provider code measured: the checkout's commit, and whether provider/ had uncommitted changes. */
function revision() {
  const git = (...args) => execFileSync("git", ["--no-optional-locks", ...args], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const dirty = git("status", "--porcelain", "--", "provider") !== "";
    return `commit ${git("rev-parse", "--short", "HEAD")}${dirty ? " with uncommitted changes in provider/" : ""}`;
  } catch {
    return "not a git checkout";
  }
}

function machine(parallel, loadAtStart, measured) {
  const cpu = cpus();
  return [
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${platform()} ${release()}`,
    `- pulumi-wechat ${measured}; Node ${process.versions.node}, Pulumi CLI ${pulumiCliVersion()}, @pulumi/pulumi ${installedPulumiVersion()}, engine parallelism ${parallel ?? `${4 * cpu.length} (the CLI's default, 4 × cores)`}`,
    `- Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${formatLoad()} (other work on the machine skews the times)`,
  ].join("\n");
}

const formatLoad = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(", ");

async function main() {
  const started = performance.now();
  const loadAtStart = formatLoad();
  const measured = revision();
  const { sizes, parallel, repeat, keep } = options();
  say("checking the Pulumi CLI");
  ensurePulumi();
  say("packing pulumi-wechat and installing it into a temporary workspace");
  const workspace = createWorkspace("pulumi-wechat-bench-");
  const runs = [];
  try {
    for (const size of sizes) runs.push(await runSize(workspace.dir, size, parallel, repeat));
  } finally {
    if (keep) say(`workspace kept at ${workspace.dir}`);
    else workspace.remove();
  }
  const minutes = (performance.now() - started) / 60_000;
  const out = [machine(parallel, loadAtStart, measured), `- Benchmark wall time, set-up included: ${minutes.toFixed(1)} min`, ""];
  for (const run of runs) out.push(sizeTable(run, steps), "");
  if (runs.length > 1) out.push("### Growth with size", "", growthTable(runs, steps), "");
  out.push(legend, "");
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.message}\n`);
  process.exit(1);
});
