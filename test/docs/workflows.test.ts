// The example GitHub Actions workflows (examples/fleet/fleet.yml, examples/ci/drift.yml) against a real workflow linter,
// actionlint (built from the Go module proxy by scripts/ensure-actionlint.sh, with shellcheck for the run: scripts when
// the machine has or can install it), and the fleet workflow against what the issue asks of it: the pinned Pulumi CLI
// is package.json's, no verify ticket or refresh tokens come from a secret, the shard jobs get an OIDC token, a job
// recovers after a failed or cancelled run, and the merge job keeps the merge's exit code.
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(__dirname, "../..");
const workflows = ["examples/fleet/fleet.yml", "examples/ci/drift.yml"];

type Step = { name?: string; uses?: string; run?: string; if?: string; shell?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = {
  name?: string;
  needs?: string | string[];
  if?: string;
  "runs-on"?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
};
type Workflow = { env?: Record<string, string>; concurrency?: { group?: string; "cancel-in-progress"?: boolean }; jobs: Record<string, Job> };

let tmp: string;
let bin: string;
/** actionlint's configuration: the custom runner label the fleet workflow runs on, as its header comment says to declare. */
let config: string;

function actionlint(...args: string[]) {
  const result = spawnSync(join(bin, "actionlint"), ["-no-color", "-config-file", config, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "pulumi-wechat-workflows-"));
  config = join(tmp, "actionlint.yaml");
  writeFileSync(config, "self-hosted-runner:\n  labels: [wechat-egress]\n");
  // The first run on a machine builds actionlint (about 20 s on 2 cores, more on a cold Go module cache).
  const { stdout } = await promisify(execFile)(join(root, "scripts", "ensure-actionlint.sh"), { cwd: root, encoding: "utf8", timeout: 590_000 });
  bin = stdout.trim().split("\n").pop() ?? "";
  expect(existsSync(join(bin, "actionlint")), `scripts/ensure-actionlint.sh printed ${bin}`).toBe(true);
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("actionlint", () => {
  it("finds nothing in the example workflows", () => {
    const shellcheck = existsSync(join(bin, "shellcheck")) ? "with shellcheck" : "without shellcheck (none on this machine)";
    const { status, output } = actionlint(...workflows);
    expect(output, `actionlint ${shellcheck}`).toBe("");
    expect(status).toBe(0);
  });

  it("fails a broken workflow, naming the problem", () => {
    const broken = join(tmp, "broken.yml");
    writeFileSync(
      broken,
      [
        "on: push",
        "permissions:",
        "  id-token: writ",
        "jobs:",
        "  merge:",
        "    needs: shards",
        "    runs-on: [self-hosted, wechat-egres]",
        "    steps:",
        "      - run: echo merged",
        "",
      ].join("\n"),
    );
    const { status, output } = actionlint(broken);
    expect(status).not.toBe(0);
    expect(output).toContain('"writ" is invalid as permission of scope "id-token"');
    expect(output).toContain('job "merge" needs job "shards" which does not exist');
    expect(output).toContain('label "wechat-egres" is unknown');
  });

  it("checks the run: scripts with shellcheck when the machine has it", ({ skip }) => {
    if (!existsSync(join(bin, "shellcheck"))) skip("no shellcheck on this machine: scripts/ensure-actionlint.sh said so");
    const unquoted = join(tmp, "unquoted.yml");
    writeFileSync(unquoted, ["on: push", "jobs:", "  a:", "    runs-on: ubuntu-latest", "    steps:", "      - run: cat $GITHUB_STEP_SUMMARY", ""].join("\n"));
    const { status, output } = actionlint(unquoted);
    expect(status).not.toBe(0);
    expect(output).toContain("SC2086");
  });
});

describe("examples/fleet/fleet.yml", () => {
  const text = readFileSync(join(root, "examples/fleet/fleet.yml"), "utf8");
  const workflow = parse(text) as Workflow;
  const jobs = Object.entries(workflow.jobs);
  const needs = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
  const runs = (job: Job): string => job.steps.map((step) => step.run ?? "").join("\n");
  const shardJobs = jobs.filter(([, job]) => job.strategy?.matrix?.part !== undefined);
  const recoverJob = jobs.find(([, job]) => /pulumi-wechat-fleet recover\b/.test(runs(job)));
  const mergeJob = jobs.find(([, job]) => /pulumi-wechat-fleet report --merge\b/.test(runs(job)));

  it("pins the Pulumi CLI to package.json's pulumiCli, and caches it by that version", () => {
    const { pulumiCli } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { pulumiCli: string };
    expect(workflow.env?.PULUMI_CLI_VERSION).toBe(pulumiCli);
    // No other version of the CLI is named anywhere.
    expect(new Set(text.match(/\b3\.\d+\.\d+\b/g))).toEqual(new Set([pulumiCli]));
    for (const [, job] of [...shardJobs, ...(recoverJob ? [recoverJob] : [])]) {
      const cache = job.steps.find((step) => step.uses?.startsWith("actions/cache@"));
      expect(cache?.with?.key).toContain("${{ env.PULUMI_CLI_VERSION }}");
      expect(runs(job)).toContain('--version "$PULUMI_CLI_VERSION"');
    }
  });

  it("keeps no verify ticket or refresh tokens in a secret: the credentials come from the platform's token store", () => {
    for (const file of workflows) {
      const content = readFileSync(join(root, file), "utf8");
      expect(content, file).not.toContain("WECHAT_AUTHORIZER_REFRESH_TOKENS");
      expect(content, file).not.toContain("WECHAT_COMPONENT_VERIFY_TICKET");
    }
    for (const [name, job] of [...shardJobs, ...(recoverJob ? [recoverJob] : [])]) {
      const env = job.steps.find((step) => /pulumi-wechat-fleet/.test(step.run ?? ""))?.env ?? {};
      expect(Object.keys(env), name).toEqual(expect.arrayContaining(["WECHAT_TOKEN_STORE", "WECHAT_TOKEN_STORE_PASSWORD", "WECHAT_COMPONENT_APP_ID"]));
      expect(env.WECHAT_TOKEN_STORE_MODE, name).toBe("read-only");
    }
  });

  it("runs the parts of the fleet on the allow-listed egress, each with an OIDC token for the backend", () => {
    expect(shardJobs).toHaveLength(1);
    const [, shards] = shardJobs[0];
    const parts = shards.strategy?.matrix?.part ?? [];
    expect(runs(shards)).toContain(`--only "$PART/${parts.length}"`);
    expect(parts).toEqual(Array.from({ length: parts.length }, (_, i) => i + 1));
    expect(shards["runs-on"]).toEqual(["self-hosted", "wechat-egress"]);
    expect(shards.permissions).toEqual({ "id-token": "write", contents: "read" });
    expect(shards.steps.some((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@") && step.with?.["role-to-assume"])).toBe(true);
    const upload = shards.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.if).toBe("always()");
    expect(String(upload?.with?.path)).toContain("part-${{ matrix.part }}.json");
    expect(workflow.concurrency).toEqual({ group: "wechat-fleet", "cancel-in-progress": false });
  });

  it("recovers when a shard job of an up failed or was cancelled", () => {
    expect(recoverJob).toBeDefined();
    const [, recover] = recoverJob ?? ["", { steps: [] }];
    expect(needs(recover)).toEqual(shardJobs.map(([name]) => name));
    expect(recover.if).toContain("failure()");
    expect(recover.if).toContain("cancelled()");
    expect(recover.if).toContain("inputs.operation == 'up'");
    expect(recover.permissions?.["id-token"]).toBe("write");
    expect(recover["runs-on"]).toEqual(["self-hosted", "wechat-egress"]);
  });

  it("merges the parts' reports whatever they ended with, and fails when one is missing", () => {
    expect(mergeJob).toBeDefined();
    const [, merge] = mergeJob ?? ["", { steps: [] }];
    expect(needs(merge)).toEqual(shardJobs.map(([name]) => name));
    expect(merge.if).toBe("always()");
    const step = merge.steps.find((s) => /report --merge/.test(s.run ?? ""));
    expect(step?.shell).toBe("bash");
    // Run the step's script as GitHub's `shell: bash` does, with an npx that answers as the merge of a run with a part
    // missing (exit 1), then as one with every part (exit 0): the step's exit code is the merge's, and the report goes
    // to the job summary either way.
    const fake = join(tmp, "fake-bin");
    const dir = join(tmp, "merge");
    mkdirSync(fake, { recursive: true });
    mkdirSync(dir, { recursive: true });
    for (const [exit, headline] of [
      [1, "**Parts 2/4 and 4/4 are missing: their shards were not checked.**"],
      [0, "**No drift.**"],
    ] as const) {
      writeFileSync(join(fake, "npx"), `#!/bin/sh\necho "$*" > args.txt\necho '${headline}'\nexit ${exit}\n`);
      chmodSync(join(fake, "npx"), 0o755);
      writeFileSync(join(dir, "script.sh"), step?.run ?? "");
      const summary = join(dir, "summary.md");
      writeFileSync(summary, "");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "script.sh"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PATH: `${fake}:${process.env.PATH ?? ""}`, GITHUB_STEP_SUMMARY: summary },
      });
      expect(result.status, result.stderr).toBe(exit);
      expect(readFileSync(summary, "utf8")).toContain(headline);
      expect(readFileSync(join(dir, "args.txt"), "utf8")).toMatch(/^pulumi-wechat-fleet report --merge /);
    }
  });
});
