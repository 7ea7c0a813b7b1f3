// The programs the benchmarks run, in one project folder each inside the workspace where the package is installed
// from its tarball (scripts/pulumi-project.mjs's createWorkspace), each with its own stack on a local file backend:
// pulumi-wechat's resources from a spec (the shared spec program), a baseline, and (bench/native.mjs) the same spec's
// resources on the native provider, through its Node SDK.
import { join } from "node:path";
import { pulumiEnv, PulumiStack, specProgram, writeProgram } from "../scripts/pulumi-project.mjs";
import { watchProviders } from "./probe.mjs";

const passphrase = "pulumi-wechat-bench";

// The floor: the same resources with the same inputs and output properties, whose provider answers at once and
// never touches the network. What is left is the engine's own cost, and the program's.
const baselineProgram = `
const pulumi = require("@pulumi/pulumi");
const spec = require("./spec.json");

const plugin = {
  async check(olds, news) { return { inputs: news }; },
  async diff() { return { changes: false }; },
  async create(inputs) {
    return { id: inputs.appId + "/" + inputs.pluginAppId, outs: { ...inputs, status: "approved", statusCode: 2, nickname: "Bench Plugin", headImgUrl: "https://emulator.invalid/p.png" } };
  },
  async read(id, props) { return { id, props, inputs: { appId: props.appId, pluginAppId: props.pluginAppId } }; },
  async update(id, olds, news) { return { outs: { ...olds, ...news } }; },
  async delete() {},
};

const link = {
  async check(olds, news) { return { inputs: { notifyUsers: false, showProfile: false, ...news } }; },
  async diff() { return { changes: false }; },
  async create(inputs) {
    return {
      id: inputs.officialAccountAppId + "/" + inputs.miniProgramAppId,
      outs: { ...inputs, status: "pendingOfficialAccountAdmin", statusCode: 12, username: "gh_a00000000001", nickname: "Bench Mini Program", released: true, selected: false },
    };
  },
  async read(id, props) {
    const { officialAccountAppId, miniProgramAppId, notifyUsers, showProfile } = props;
    return { id, props, inputs: { officialAccountAppId, miniProgramAppId, notifyUsers, showProfile } };
  },
  async update(id, olds, news) { return { outs: { ...olds, ...news } }; },
  async delete() {},
};

const pluginOutputs = { status: undefined, statusCode: undefined, nickname: undefined, headImgUrl: undefined, appliedVersion: undefined };
const linkOutputs = { status: undefined, statusCode: undefined, username: undefined, nickname: undefined, released: undefined, selected: undefined };
for (const [name, args] of Object.entries(spec.plugins)) new pulumi.dynamic.Resource(plugin, name, { ...args, ...pluginOutputs }, undefined, "bench", "Plugin");
for (const [name, args] of Object.entries(spec.links)) new pulumi.dynamic.Resource(link, name, { ...args, ...linkOutputs }, undefined, "bench", "Link");
`;

// The spec program's resources, with the same names and inputs, as the native provider's (the SDK, packed and
// installed in the workspace; the plugin installed in the stack's Pulumi home).
const nativeProgram = `
const wechat = require("@pulumi-wechat/wechat");
const spec = require("./spec.json");
for (const [name, args] of Object.entries(spec.plugins || {})) new wechat.MiniProgramPlugin(name, args);
for (const [name, args] of Object.entries(spec.links || {})) new wechat.OfficialAccountLink(name, args);
`;

const programs = { wechat: specProgram, baseline: baselineProgram, native: nativeProgram };

/** One program's project and stack; `run` also watches the command's provider processes. */
export class Project extends PulumiStack {
  constructor(workspace, name, kind, spec, extraEnv = {}) {
    const dir = join(workspace, "projects", name);
    super({ dir, stack: "bench", env: pulumiEnv({ stateDir: join(workspace, ".pulumi"), passphrase, extra: extraEnv }) });
    writeProgram(dir, { name, source: programs[kind], spec });
  }

  /** Runs `pulumi <args>` for the stack; resolves to its exit code, output, wall time and provider figures. */
  async run(args) {
    const running = this.start(args);
    const probe = watchProviders(running.pid);
    const result = await running.result;
    return { ...result, provider: probe.stop() };
  }
}
