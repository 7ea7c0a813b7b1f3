// `npm run bench:native`: the native provider beside the dynamic one, on the same stacks.
//
// One generated world (bench/world.mjs), and two stacks declaring the same resources with the same names and inputs:
// the dynamic resources (pulumi-wechat's classes) and the native provider's (its Node SDK, the plugin from
// `npm run build:plugin` installed in the stack's Pulumi home), each against an emulator of its own with the same
// seed and latency. Each round runs `pulumi up`, `pulumi refresh` and `pulumi destroy` on one stack, then on the other.
// It prints a Markdown table: wall time, the CPU of the whole command (the CLI, the language host, the program and the
// provider: what this process's reaped children used, from /proc/self/stat), and the provider process's own CPU and
// peak memory (bench/probe.mjs); medians over the rounds. Progress goes to stderr, the table to stdout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { buildPlugin, createWorkspace, installedPulumiVersion, installPackage, installPlugin, packNodeSdk, pulumiCliVersion } from "../scripts/pulumi-project.mjs";
import { benchArgs, whole, worldOptions, worldSize } from "./args.mjs";
import { Project } from "./projects.mjs";
import { generateWorld } from "./world.mjs";

const require = createRequire(import.meta.url);
const { startEmulator } = require("../dist/emulator/index.js");

const usage = `Usage: npm run bench:native -- [options]

  --plugins P             MiniProgramPlugin resources                    (default 200)
  --mini-programs M       mini programs the plugins are spread over      (default 20)
  --links L               OfficialAccountLink resources                  (default 20)
  --official-accounts K   official accounts the links are spread over    (default 4)
  --latency MS            simulated latency of every WeChat call         (default 50)
  --repeat N              rounds; figures are medians                    (default 3)
  --quick                 a small smoke run: P=20, M=4, L=4, K=2, one round
`;

const steps = [
  { key: "up", title: "`up` (create)", args: ["up", "--yes", "--skip-preview"] },
  { key: "refresh", title: "`refresh`", args: ["refresh", "--yes", "--skip-preview"] },
  { key: "destroy", title: "`destroy`", args: ["destroy", "--yes", "--skip-preview"] },
];
const kinds = ["wechat", "native"];
const kindTitles = { wechat: "dynamic", native: "native" };

const say = (text) => process.stderr.write(`bench: ${text}\n`);
const ticksPerSecond = 100; // USER_HZ

/** CPU seconds of this process's waited-for children so far (cutime + cstime): every Pulumi command tree it ran. */
function childrenCpu() {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const values = benchArgs(usage, {
    ...worldOptions,
    repeat: { type: "string", default: "3" },
  });
  const size = worldSize(values);
  const repeat = values.quick ? 1 : whole("repeat", values.repeat, 1);
  const latencyMs = whole("latency", values.latency, 0);
  const world = generateWorld({ ...size, usernames: false, order: "grouped" });

  say("packing the package and the native provider's Node SDK, building the plugin");
  const workspace = createWorkspace("pulumi-wechat-bench-native-");
  installPackage(workspace.dir, { tarball: workspace.tarball, dependencies: { "@pulumi-wechat/wechat": `file:${packNodeSdk(workspace.dir)}` } });
  const plugin = buildPlugin();
  const emulators = [];
  try {
    const projects = {};
    for (const kind of kinds) {
      const emulator = await startEmulator({ seed: world.seed, latencyMs, port: 0 });
      emulators.push(emulator);
      const project = new Project(workspace.dir, `${kind}-bench`, kind, world.spec);
      await installPlugin(plugin, { cwd: project.dir, env: project.env });
      await project.init({ "wechat:endpoint": emulator.url, ...world.config });
      projects[kind] = project;
    }
    const samples = Object.fromEntries(kinds.map((kind) => [kind, Object.fromEntries(steps.map((step) => [step.key, []]))]));
    for (let round = 1; round <= repeat; round++) {
      for (const kind of kinds) {
        for (const step of steps) {
          say(`round ${round}/${repeat}: ${kindTitles[kind]} ${step.key}`);
          const cpuBefore = childrenCpu();
          const result = await projects[kind].run(step.args);
          if (result.code !== 0) throw new Error(`${kindTitles[kind]} ${step.key} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
          samples[kind][step.key].push({ wall: result.seconds, cpu: childrenCpu() - cpuBefore, providerCpu: result.provider.cpuSeconds, peakMb: result.provider.peakRssMb });
        }
      }
    }
    printTable(size, latencyMs, repeat, samples);
  } finally {
    for (const emulator of emulators) await emulator.close();
    workspace.remove();
  }
}

function printTable(size, latencyMs, repeat, samples) {
  const figure = (kind, step, key, digits = 1) => median(samples[kind][step].map((sample) => sample[key])).toFixed(digits);
  const lines = [
    `### ${size.plugins} plugins on ${size.miniPrograms} mini programs, ${size.links} links on ${size.officialAccounts} official accounts; ${latencyMs} ms per call; median of ${repeat}`,
    "",
    `${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at the end, Node ${process.versions.node}, Pulumi CLI ${pulumiCliVersion()}, @pulumi/pulumi ${installedPulumiVersion()}, local file backend`,
    "",
    "| step | provider | wall | CPU, whole command | CPU, provider | provider peak RSS |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const step of steps) {
    for (const kind of kinds) {
      lines.push(
        `| ${step.title} | ${kindTitles[kind]} | ${figure(kind, step.key, "wall")} s | ${figure(kind, step.key, "cpu")} s | ${figure(kind, step.key, "providerCpu")} s | ${figure(kind, step.key, "peakMb", 0)} MB |`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
