#!/usr/bin/env node
import { readFileSync, writeFileSync } from "node:fs";
import { defaultParallel, exitCodes } from "../drift/report";
import { type ProviderConfig, hasCredentials, isAppId, loadConfig, noCredentials } from "../provider/config";
import { discover } from "./discover";
import { requireNativePlugin } from "./native";
import { type FleetReport, type Operation, exitCode, mergeReports, operations, parseReport, renderMarkdown } from "./report";
import { type ReshardResult, reshard } from "./reshard";
import { type Part, defaultConcurrency, resourcesPerShard, runFleet } from "./runner";
import { loadFleetSpec, serializeFleetSpec } from "./spec";
import { newRunId, runVariable, startWatchdog } from "./watchdog";
import { defaultStackPrefix, workFolderName } from "./workspace";
import { FleetError } from "./errors";

/**
 * `pulumi-wechat-fleet`: a fleet spec run as sharded Pulumi stacks through the Automation API, in a project that
 * installed pulumi-wechat and @pulumi/pulumi (`npx pulumi-wechat-fleet …`). The commands' work is in runner.ts,
 * reshard.ts, report.ts and discover.ts; this file reads the command line and prints.
 */


export type Command =
  | {
      kind: "run";
      operation: Operation;
      spec: string;
      shards?: number;
      only?: Part;
      concurrency: number;
      parallel: number;
      stackPrefix: string;
      json?: string;
      failFast: boolean;
      newFleet: boolean;
    }
  | { kind: "reshard"; spec: string; from: number; to: number; stackPrefix: string }
  | { kind: "report"; merge: string[]; json?: string }
  | { kind: "discover"; out: string; accounts?: string[]; concurrency?: number };

export type ParsedArgs = { command: Command } | { help: true } | { error: string };

export const usage = `usage: pulumi-wechat-fleet <up|preview|drift|destroy|recover> --spec FILE [--shards N] [--only I/N] [--concurrency C]
                           [--parallel P] [--stack-prefix PREFIX] [--json FILE] [--fail-fast] [--new-fleet]
       pulumi-wechat-fleet reshard --spec FILE --from N --to M [--stack-prefix PREFIX]
       pulumi-wechat-fleet report --merge FILE… [--json FILE]
       pulumi-wechat-fleet discover --out FILE [--accounts wx…,wx…] [--concurrency C]

Runs a fleet spec as Pulumi stacks <prefix>-0 … <prefix>-<N-1>, one shard of the accounts each, several at once.
  up        refresh, then update each shard's stack, so that WeChat matches the spec
  preview   what up would do (refreshes; changes nothing)
  drift     one line per resource that differs from the spec, waiting items apart (refreshes; changes nothing)
  destroy   delete each shard's resources at WeChat, then its stack
  recover   after a run that was killed: clear the stacks it left locked or with pending operations, refresh them,
            and adopt exactly the resources whose create it left pending (what WeChat made of them is kept)
  reshard   move resources between stacks for another shard count with \`pulumi state move\` (no WeChat call)
  report    merge the --json reports of --only runs into one; a part of their split that none covers is named (exit 1)
  discover  write a spec that declares, with adopt: true, the plugins and links that exist at WeChat (YAML, or JSON
            for a .json file); the accounts that authorized the third-party platform, or those of --accounts

  --spec FILE            the fleet spec (YAML or JSON), validated before anything runs
  --shards N             the shard count; default: the one the stacks record, or for a new fleet one shard per
                         ${resourcesPerShard} resources. Another count than the stacks record is refused: reshard first
  --only I/N             run part I of N (1 ≤ I ≤ N): the shards i with i % N = I - 1, for a CI matrix whose jobs
                         share a backend; merge their --json reports with \`report --merge\`
  --concurrency C        stacks run at once (default ${defaultConcurrency()}: this machine's cores, at least 2); for discover,
                         WeChat reads at once (default 16)
  --parallel P           the engine's parallel operations within one stack (default ${defaultParallel})
  --stack-prefix PREFIX  the stacks' names before -<shard> (default ${defaultStackPrefix})
  --json FILE            also write the report as JSON
  --fail-fast            start no shard after one fails
  --new-fleet            up: create the first stacks of this prefix even though another fleet's stacks in the
                         backend manage accounts of the spec (refused otherwise, naming that fleet's prefix)
  --from N, --to M       reshard from N to M shards
  --merge FILE…          the JSON reports to merge
  --out FILE             where discover writes the spec
  --accounts wx…,wx…     discover these accounts only, with whichever credentials the environment has for them
  -h, --help             this text

Environment:
  WECHAT_*                  credentials and endpoint, as the provider's configuration reads them (WECHAT_ENDPOINT,
                            WECHAT_COMPONENT_APP_ID, …; see the README). They stay in this process: the stacks get
                            only a token broker on 127.0.0.1, with a secret of this run, that fetches each token once.
  PULUMI_BACKEND_URL        the stacks' backend (default: file backend in .pulumi-state/ under this folder)
  PULUMI_CONFIG_PASSPHRASE  the stacks' passphrase (default: empty; the stacks hold no secret)
  PULUMI_WECHAT_FLEET_LOOK  engine: drift and up look at every stack through the engine's refresh instead of reading
                            its state and WeChat themselves (to compare the two, or to rule the runner's look out)

The runner writes its Pulumi project into ${workFolderName}/ and each stack's output into ${workFolderName}/logs/<stack>.log.
The report goes to stdout as Markdown (fit for a CI job summary: long lists collapsed, under GitHub's 1 MiB); progress
goes to stderr. A flag's value may also follow an equals sign (--parallel=16).
Exit codes: 0 done (or no drift), 2 drift found, 1 a failure (bad arguments, spec or configuration, a shard failed, or
a merged report lacks a part).`;

type FlagKind = "value" | "list" | "switch";
const flagKinds: Record<string, FlagKind> = {
  "--spec": "value",
  "--shards": "value",
  "--only": "value",
  "--concurrency": "value",
  "--parallel": "value",
  "--stack-prefix": "value",
  "--json": "value",
  "--fail-fast": "switch",
  "--new-fleet": "switch",
  "--from": "value",
  "--to": "value",
  "--merge": "list",
  "--out": "value",
  "--accounts": "value",
};
const runFlags = ["--spec", "--shards", "--only", "--concurrency", "--parallel", "--stack-prefix", "--json", "--fail-fast"];
const commandFlags: Record<string, string[]> = {
  ...Object.fromEntries(operations.map((operation) => [operation, runFlags])),
  up: [...runFlags, "--new-fleet"],
  reshard: ["--spec", "--from", "--to", "--stack-prefix"],
  report: ["--merge", "--json"],
  discover: ["--out", "--accounts", "--concurrency"],
};
const required: Record<string, string[]> = {
  ...Object.fromEntries(operations.map((operation) => [operation, ["--spec"]])),
  reshard: ["--spec", "--from", "--to"],
  report: ["--merge"],
  discover: ["--out"],
};

export function parseArgs(argv: string[]): ParsedArgs {
  if (argv.includes("--help") || argv.includes("-h")) return { help: true };
  const [name, ...rest] = argv;
  const commands = Object.keys(commandFlags);
  if (name === undefined) return { error: `say what to do: ${commands.join(", ")}` };
  if (!commands.includes(name)) return { error: `unknown command ${JSON.stringify(name)}; expected ${commands.join(", ")}` };
  const values = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i++) {
    // --flag=value as well as --flag value.
    const equals = rest[i].startsWith("--") ? rest[i].indexOf("=") : -1;
    const flag = equals === -1 ? rest[i] : rest[i].slice(0, equals);
    const kind = flagKinds[flag];
    if (kind === undefined) return { error: flag.startsWith("-") ? `unknown option ${JSON.stringify(flag)}` : `unexpected argument ${JSON.stringify(flag)}` };
    if (!commandFlags[name].includes(flag)) return { error: `${flag} is not an option of ${name}` };
    if (values.has(flag)) return { error: `${flag} is given twice` };
    if (kind === "switch" && equals !== -1) return { error: `${flag} takes no value` };
    const inline = equals === -1 ? undefined : rest[i].slice(equals + 1);
    const taken = inline ? [inline] : [];
    while (kind !== "switch" && inline !== "" && isValue(rest[i + 1]) && (kind === "list" || taken.length === 0)) taken.push(rest[++i]);
    if (kind !== "switch" && taken.length === 0) return { error: `${flag} needs ${kind === "list" ? "at least one value" : "a value"}` };
    values.set(flag, taken);
  }
  const missing = required[name].filter((flag) => !values.has(flag));
  if (missing.length > 0) return { error: `${name} needs ${missing.join(" and ")}` };
  try {
    return { command: command(name, values) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A flag's value rather than the next flag; a negative number is a value, so that `--parallel -3` is told why it is refused. */
function isValue(arg: string | undefined): arg is string {
  return arg !== undefined && (!arg.startsWith("-") || /^-\d/.test(arg));
}

function command(name: string, values: Map<string, string[]>): Command {
  const value = (flag: string) => values.get(flag)?.[0];
  const count = (flag: string) => {
    const text = value(flag);
    if (text === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new FleetError("FLEET_USAGE", `${flag} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const stackPrefix = value("--stack-prefix") ?? defaultStackPrefix;
  // Pulumi's stack names: letters, digits, -, _ and . (the shard's -<i> is appended).
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stackPrefix)) throw new FleetError("FLEET_USAGE", `--stack-prefix must be letters, digits, -, _ or ., starting with a letter or digit; got ${JSON.stringify(stackPrefix)}`);
  if (name === "reshard") {
    const from = count("--from")!;
    const to = count("--to")!;
    if (from === to) throw new FleetError("FLEET_USAGE", `--from and --to are both ${from}: nothing to move`);
    return { kind: "reshard", spec: value("--spec")!, from, to, stackPrefix };
  }
  if (name === "report") return { kind: "report", merge: values.get("--merge")!, json: value("--json") };
  if (name === "discover") {
    const accounts = value("--accounts")
      ?.split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    const wrong = accounts?.find((a) => !isAppId(a));
    if (wrong !== undefined) throw new FleetError("FLEET_USAGE", `--accounts: ${JSON.stringify(wrong)} is not an app id (wx followed by 16 hex digits)`);
    if (accounts?.length === 0) throw new FleetError("FLEET_USAGE", "--accounts needs at least one app id");
    return { kind: "discover", out: value("--out")!, accounts, concurrency: count("--concurrency") };
  }
  return {
    kind: "run",
    operation: name as Operation,
    spec: value("--spec")!,
    shards: count("--shards"),
    only: only(value("--only")),
    concurrency: count("--concurrency") ?? defaultConcurrency(),
    parallel: count("--parallel") ?? defaultParallel,
    stackPrefix,
    json: value("--json"),
    failFast: values.has("--fail-fast"),
    newFleet: values.has("--new-fleet"),
  };
}

function only(text: string | undefined): Part | undefined {
  if (text === undefined) return undefined;
  const match = /^([1-9]\d*)\/([1-9]\d*)$/.exec(text);
  if (!match || Number(match[1]) > Number(match[2])) throw new FleetError("FLEET_USAGE", `--only must be I/N with 1 ≤ I ≤ N, e.g. 2/4; got ${JSON.stringify(text)}`);
  return { index: Number(match[1]), count: Number(match[2]) };
}

/** The WeChat configuration from the environment; every problem at once, as the provider reports them. */
function wechatConfig(): ProviderConfig {
  const loaded = loadConfig(() => undefined, process.env);
  if (!loaded.ok) throw new FleetError("FLEET_CONFIG_INVALID", `the WeChat configuration in the environment has problems:\n${loaded.problems.map((p) => `  - ${p}`).join("\n")}`);
  if (!hasCredentials(loaded.config)) throw new FleetError("FLEET_CONFIG_INVALID", `${noCredentials()} in the environment`);
  return loaded.config;
}

function renderReshard(result: ReshardResult, from: number, to: number): string {
  const moved = result.moves.reduce((sum, m) => sum + m.resources, 0);
  const lines = [`## WeChat fleet reshard: ${from} → ${to} shards`, "", `Moved ${moved} resources between stacks with \`pulumi state move\`, without a WeChat call:`];
  lines.push(...(result.moves.length > 0 ? result.moves.map((m) => `- \`${m.source}\` → \`${m.dest}\`: ${m.resources}`) : ["- none: every resource was in its stack already"]));
  if (result.forgotten > 0) lines.push("", `Dropped ${result.forgotten} copies an interrupted move had left in their old stack.`);
  if (result.created.length > 0) lines.push("", `Created ${result.created.map((s) => `\`${s}\``).join(", ")}.`);
  if (result.removed.length > 0) lines.push("", `Removed the emptied ${result.removed.map((s) => `\`${s}\``).join(", ")}.`);
  lines.push("", `Pulumi's output: \`${result.log}\``);
  return `${lines.join("\n")}\n`;
}

/**
 * Ctrl-C (SIGINT) or a CI's cancellation (SIGTERM): start no more shards, and let the running ones end with the token
 * broker still serving them, so that the report says what was done. A terminal sends Ctrl-C to the Pulumi processes
 * too, and they cancel themselves (a second SIGINT would make them stop at once, mid-step); SIGTERM reaches only the
 * runner, which then asks them to cancel. A second signal ends the runner at once.
 */
function interruptions(): { stop: AbortSignal; cancel: AbortSignal } {
  const stop = new AbortController();
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(exitCodes.failed);
    process.stderr.write(`pulumi-wechat-fleet: ${signal}: starting no more shards, waiting for the running ones to end (again to stop at once)\n`);
    stop.abort();
    if (signal === "SIGTERM") cancel.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { stop: stop.signal, cancel: cancel.signal };
}

/**
 * Marks every process this run starts (through the environment they inherit) and starts the watchdog that stops them
 * should the runner die first, killed by a CI's cancellation or SIGKILL (see watchdog.ts).
 */
function watchOverProcesses(): void {
  const runId = newRunId();
  startWatchdog(runId);
  process.env[runVariable] = runId;
}

function writeReport(report: FleetReport, json: string | undefined): number {
  if (json !== undefined) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(renderMarkdown(report));
  return exitCode(report);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if ("help" in parsed) {
    process.stdout.write(`${usage}\n`);
    return exitCodes.clean;
  }
  if ("error" in parsed) {
    process.stderr.write(`pulumi-wechat-fleet: ${parsed.error} (see pulumi-wechat-fleet --help)\n`);
    return exitCodes.failed;
  }
  const { command } = parsed;
  const cwd = process.cwd();
  if (command.kind === "run" || command.kind === "reshard") watchOverProcesses();
  switch (command.kind) {
    case "run": {
      const spec = loadFleetSpec(command.spec);
      const config = wechatConfig();
      if (spec.provider === "native") await requireNativePlugin(process.env);
      const report = await runFleet({ ...command, ...interruptions(), spec, specPath: command.spec, config, cwd, env: process.env, progress: process.stderr });
      return writeReport(report, command.json);
    }
    case "reshard": {
      loadFleetSpec(command.spec);
      const result = await reshard({ ...command, cwd, env: process.env });
      process.stdout.write(renderReshard(result, command.from, command.to));
      return exitCodes.clean;
    }
    case "report": {
      const reports = command.merge.map((file) => ({ file, report: parseReport(readFileSync(file, "utf8"), file) }));
      return writeReport(mergeReports(reports), command.json);
    }
    case "discover": {
      const spec = await discover(wechatConfig(), { accounts: command.accounts, concurrency: command.concurrency });
      writeFileSync(command.out, serializeFleetSpec(spec, command.out));
      const plugins = spec.miniPrograms.reduce((sum, mp) => sum + mp.plugins.length, 0);
      const links = spec.officialAccounts.reduce((sum, oa) => sum + oa.links.length, 0);
      const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
      process.stdout.write(
        `wrote ${command.out}: ${count(spec.miniPrograms.length, "mini program")} with ${count(plugins, "plugin")}, ${count(spec.officialAccounts.length, "official account")} with ${count(links, "link")}, all adopt: true\n`,
      );
      return exitCodes.clean;
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Said once, without a stack trace: a spec's message lists its problems, Pulumi's and WeChat's say what failed.
      process.stderr.write(`pulumi-wechat-fleet: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(exitCodes.failed);
    },
  );
}
