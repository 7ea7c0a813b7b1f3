import { describe, expect, it } from "vitest";
import { defaultParallel } from "../../drift/report";
import { type ParsedArgs, parseArgs, usage } from "../../fleet/cli";
import { defaultConcurrency } from "../../fleet/runner";

const run = { kind: "run", spec: "fleet.yaml", concurrency: defaultConcurrency(), parallel: defaultParallel, stackPrefix: "wechat-fleet", failFast: false, newFleet: false };

describe("pulumi-wechat-fleet's command line", () => {
  it.each(["up", "preview", "drift", "destroy", "recover"])("runs %s with the defaults when only --spec is given", (operation) => {
    expect(parseArgs([operation, "--spec", "fleet.yaml"])).toEqual({ command: { ...run, operation } });
  });

  it("takes every option of a run", () => {
    const argv = ["up", "--spec", "f.yaml", "--shards", "8", "--only", "2/4", "--concurrency", "3", "--parallel", "16", "--stack-prefix", "prod.fleet", "--json", "r.json", "--fail-fast", "--new-fleet"];
    expect(parseArgs(argv)).toEqual({
      command: { kind: "run", operation: "up", spec: "f.yaml", shards: 8, only: { index: 2, count: 4 }, concurrency: 3, parallel: 16, stackPrefix: "prod.fleet", json: "r.json", failFast: true, newFleet: true },
    });
    // A new fleet's stacks are made by up alone.
    expect(parseArgs(["drift", "--spec", "f.yaml", "--new-fleet"])).toEqual({ error: "--new-fleet is not an option of drift" });
  });

  it("takes reshard's counts, report's files and discover's accounts", () => {
    expect(parseArgs(["reshard", "--spec", "f.yaml", "--from", "4", "--to", "3"])).toEqual({ command: { kind: "reshard", spec: "f.yaml", from: 4, to: 3, stackPrefix: "wechat-fleet" } });
    expect(parseArgs(["report", "--merge", "a.json", "b.json", "c.json", "--json", "all.json"])).toEqual({ command: { kind: "report", merge: ["a.json", "b.json", "c.json"], json: "all.json" } });
    expect(parseArgs(["discover", "--out", "fleet.yaml", "--accounts", "wxc0ffee0000000001, wx0a00000000000001", "--concurrency", "4"])).toEqual({
      command: { kind: "discover", out: "fleet.yaml", accounts: ["wxc0ffee0000000001", "wx0a00000000000001"], concurrency: 4 },
    });
    expect(parseArgs(["discover", "--out", "fleet.json"])).toEqual({ command: { kind: "discover", out: "fleet.json", accounts: undefined, concurrency: undefined } });
  });

  it("takes --flag=value as --flag value", () => {
    expect(parseArgs(["up", "--spec=f.yaml", "--parallel=8", "--only=2/4"])).toEqual({ command: { ...run, operation: "up", spec: "f.yaml", parallel: 8, only: { index: 2, count: 4 } } });
    expect(parseArgs(["report", "--merge=a.json", "b.json"])).toEqual({ command: { kind: "report", merge: ["a.json", "b.json"], json: undefined } });
  });

  it("answers --help anywhere, and its text names the environment and the exit codes", () => {
    expect(parseArgs(["--help"])).toEqual({ help: true });
    expect(parseArgs(["up", "--spec", "f.yaml", "-h"])).toEqual({ help: true });
    expect(parseArgs(["reshard", "--bogus", "--help"])).toEqual({ help: true });
    for (const text of ["PULUMI_BACKEND_URL", ".pulumi-state/", "PULUMI_CONFIG_PASSPHRASE", "WECHAT_", "Exit codes: 0", "i % N = I - 1"]) expect(usage).toContain(text);
  });

  it.each<[string[], string]>([
    [[], "say what to do: up, preview, drift, destroy, recover, reshard, report, discover"],
    [["apply"], 'unknown command "apply"; expected up, preview, drift, destroy, recover, reshard, report, discover'],
    [["up"], "up needs --spec"],
    [["reshard", "--spec", "f.yaml", "--to", "3"], "reshard needs --from"],
    [["reshard", "--spec", "f.yaml"], "reshard needs --from and --to"],
    [["report"], "report needs --merge"],
    [["discover"], "discover needs --out"],
    [["up", "--spec", "f.yaml", "--refresh"], 'unknown option "--refresh"'],
    [["up", "--spec", "f.yaml", "extra"], 'unexpected argument "extra"'],
    [["up", "--spec", "f.yaml", "--from", "4"], "--from is not an option of up"],
    [["reshard", "--spec", "f.yaml", "--from", "4", "--to", "3", "--shards", "3"], "--shards is not an option of reshard"],
    [["report", "--merge", "a.json", "--spec", "f.yaml"], "--spec is not an option of report"],
    [["up", "--spec"], "--spec needs a value"],
    [["up", "--spec", "--shards", "4"], "--spec needs a value"],
    [["report", "--merge", "--json", "x.json"], "--merge needs at least one value"],
    [["up", "--spec", "a.yaml", "--spec", "b.yaml"], "--spec is given twice"],
    [["up", "--spec", "f.yaml", "--shards", "0"], '--shards must be a whole number ≥ 1, got "0"'],
    [["up", "--spec", "f.yaml", "--concurrency", "2.5"], '--concurrency must be a whole number ≥ 1, got "2.5"'],
    [["up", "--spec", "f.yaml", "--parallel", "many"], '--parallel must be a whole number ≥ 1, got "many"'],
    [["up", "--spec", "f.yaml", "--parallel", "-3"], '--parallel must be a whole number ≥ 1, got "-3"'],
    [["up", "--spec", "f.yaml", "--parallel", "0"], '--parallel must be a whole number ≥ 1, got "0"'],
    [["up", "--spec", "f.yaml", "--parallel=-3"], '--parallel must be a whole number ≥ 1, got "-3"'],
    [["up", "--spec", "f.yaml", "--concurrency", "-1"], '--concurrency must be a whole number ≥ 1, got "-1"'],
    [["up", "--spec", "f.yaml", "--concurrency", "0"], '--concurrency must be a whole number ≥ 1, got "0"'],
    [["up", "--spec", "f.yaml", "--shards", "-4"], '--shards must be a whole number ≥ 1, got "-4"'],
    [["up", "--spec", "f.yaml", "--shards", "-0.5"], '--shards must be a whole number ≥ 1, got "-0.5"'],
    [["discover", "--out", "f.yaml", "--concurrency", "-2"], '--concurrency must be a whole number ≥ 1, got "-2"'],
    [["reshard", "--spec", "f.yaml", "--from", "-4", "--to", "3"], '--from must be a whole number ≥ 1, got "-4"'],
    [["up", "--spec", "f.yaml", "--parallel", "--fail-fast"], "--parallel needs a value"],
    [["up", "--spec=", "--fail-fast"], "--spec needs a value"],
    [["up", "--spec", "f.yaml", "--fail-fast=yes"], "--fail-fast takes no value"],
    [["up", "--spec", "f.yaml", "--paralel=8"], 'unknown option "--paralel"'],
    [["up", "--spec", "f.yaml", "--only", "5/4"], '--only must be I/N with 1 ≤ I ≤ N, e.g. 2/4; got "5/4"'],
    [["up", "--spec", "f.yaml", "--only", "0/4"], '--only must be I/N with 1 ≤ I ≤ N, e.g. 2/4; got "0/4"'],
    [["up", "--spec", "f.yaml", "--only", "2"], '--only must be I/N with 1 ≤ I ≤ N, e.g. 2/4; got "2"'],
    [["up", "--spec", "f.yaml", "--stack-prefix", "my fleet"], '--stack-prefix must be letters, digits, -, _ or ., starting with a letter or digit; got "my fleet"'],
    [["reshard", "--spec", "f.yaml", "--from", "4", "--to", "4"], "--from and --to are both 4: nothing to move"],
    [["discover", "--out", "f.yaml", "--accounts", "wxc0ffee0000000001,wxNOPE"], '--accounts: "wxNOPE" is not an app id (wx followed by 16 hex digits)'],
    [["discover", "--out", "f.yaml", "--accounts", ","], "--accounts needs at least one app id"],
  ])("refuses %j, saying %s", (argv, error) => {
    expect(parseArgs(argv)).toEqual<ParsedArgs>({ error });
  });
});
