// The drift-only mode of `npm run bench:fleet`: a fleet whose WeChat and whose stacks' states already agree, made
// without running its creates through the engine.
//
// - WeChat: the emulator's seed `generate.existing` binds every generated mini program to the P plugins (all
//   approved) and links every official account to its L mini programs (all linked), exactly the pairs the spec
//   declares (fleet-world.mjs). It cannot set a binding's version, so each version is then set through WeChat's own
//   API, as an `up` sets it: the platform's token, each mini program's authorizer token, one quick update
//   (`/wxa/plugin` update) per plugin; many calls in flight, at the emulator's latency. The call log is cleared after.
// - The states: a template fleet of the same shape (P plugins, L links) is made for real in its own project and
//   emulator: `up` from scratch, the links' two admins accepting (the emulator's control surface), and a second `up`,
//   whose refresh writes the links as linked. Its one stack is exported (`pulumi stack export`), and each shard's
//   state is written from it as the engine writes it: the stack resource, the default provider, and per resource
//   the template resource of its type (and plugin) with the account's app ids, names and WeChat's own values
//   (the application's time, the mini program's original id and nickname) in place. Each stack is created with the runner's own
//   project and workspace (Automation API: `pulumi stack init`), tagged with the shard count as the runner tags it, and
//   the state imported (`pulumi stack import`).
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const { inPool } = require("../dist/provider/client/pool.js");
const { fleetResources } = require("../dist/fleet/resources.js");
const { shardStackName } = require("../dist/fleet/shards.js");
const { parseFleetSpec } = require("../dist/fleet/spec.js");
const { openWorkspace, shardsTag, projectName } = require("../dist/fleet/workspace.js");
const { Stack } = require("@pulumi/pulumi/automation");

/** The runner's workspace for the project in `dir`; the Automation API finds `pulumi` on this process's PATH. */
function runnerWorkspace(dir, env) {
  process.env.PATH = env.PATH;
  return openWorkspace(dir, env);
}

/**
 * Sets each binding's version through WeChat's API (platform token, authorizer token per mini program, one quick
 * update per plugin), `inFlight` mini programs at once. Returns the calls made and the seconds taken.
 */
export async function setVersions(url, world, inFlight = 256) {
  const started = performance.now();
  let calls = 0;
  const post = async (path, body) => {
    calls += 1;
    const answer = await (await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
    if (answer.errcode !== undefined && answer.errcode !== 0) throw new Error(`${path.split("?")[0]}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const { component } = world.seed;
  const { component_access_token: componentToken } = await post("/cgi-bin/component/api_component_token", {
    component_appid: component.appId,
    component_appsecret: component.secret,
    component_verify_ticket: component.verifyTicket,
  });
  const refresh = world.accounts.authorizerRefreshTokens;
  const versions = new Map(world.spec.pluginSets.standard.map((p) => [p.pluginAppId, p.version]));
  await inPool(world.spec.miniPrograms, inFlight, async (mp) => {
    const { authorizer_access_token: token } = await post(`/cgi-bin/component/api_authorizer_token?component_access_token=${encodeURIComponent(componentToken)}`, {
      component_appid: component.appId,
      authorizer_appid: mp.appId,
      authorizer_refresh_token: refresh[mp.appId],
    });
    await Promise.all(
      [...versions].map(([pluginAppId, version]) =>
        post(`/wxa/plugin?access_token=${encodeURIComponent(token)}`, { action: "update", plugin_appid: pluginAppId, user_version: version }),
      ),
    );
  });
  return { calls, seconds: (performance.now() - started) / 1000 };
}

/**
 * The template: `bench` (a FleetBench of the template shape, started) brought up for real, its links accepted by both
 * admins, brought up again (its refresh writes them linked), then its one stack exported.
 */
export async function templateDeployment(bench) {
  await bench.runnerChecked("up", ["--shards", "1", "--concurrency", "1"]);
  for (let round = 0; round < 2; round += 1) {
    for (const link of (await bench.wechat.state()).links) {
      if (link.status === 12 || link.status === 2) {
        await bench.wechat.confirmLink({ officialAccountAppId: link.officialAccountAppId, miniProgramAppId: link.miniProgramAppId, by: link.status === 12 ? "officialAccount" : "miniProgram", accept: true });
      }
    }
  }
  const left = (await bench.wechat.state()).links.filter((link) => link.status !== 1);
  if (left.length > 0) throw new Error(`template: ${left.length} links not linked after both admins accepted`);
  await bench.runnerChecked("up", ["--shards", "1", "--concurrency", "1"]);
  const ws = await runnerWorkspace(bench.dir, bench.env);
  const exported = await ws.exportStack(shardStackName("wechat-fleet", 0));
  return { exported, world: bench.world, wechat: await bench.wechat.state() };
}

/** Replaces, anywhere in `value`, every string equal to a key of `exact` and every occurrence of a key of `within`. */
function substitute(value, exact, within) {
  if (typeof value === "string") {
    if (exact.has(value)) return exact.get(value);
    let out = value;
    for (const [from, to] of within) out = out.split(from).join(to);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, exact, within));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, exact, within)]));
  return value;
}

/**
 * Writes the fleet's states from the template and imports them: one stack per shard, `concurrency` at once, with the
 * runner's project (its workspace, so its backend, passphrase and folder). `wechat` is the fleet's emulator state
 * (bindings' appliedAt as WeChat holds them). Returns the seconds taken and the stacks made.
 */
export async function importStates({ dir, env, world, shards, template, wechat, concurrency, progress }) {
  const started = performance.now();
  const tmpl = template.exported.deployment;
  const tWorld = template.world;
  const tStack = shardStackName("wechat-fleet", 0);
  const stackResource = tmpl.resources.find((r) => r.type === "pulumi:pulumi:Stack");
  const providerResource = tmpl.resources.find((r) => r.type.startsWith("pulumi:providers:"));
  const byName = new Map(tmpl.resources.map((r) => [r.urn.split("::").pop(), r]));
  const tMp = tWorld.accounts.miniPrograms[0];
  const tOa = tWorld.accounts.officialAccounts[0];
  const pluginTemplates = new Map(tWorld.spec.pluginSets.standard.map((p) => [p.pluginAppId, byName.get(`${tMp.appId}/${p.pluginAppId}`)]));
  const tLinks = tWorld.spec.officialAccounts[0].links.map((link) => byName.get(`${tOa.appId}/${link.miniProgramAppId}`));
  for (const r of [...pluginTemplates.values(), ...tLinks]) if (!r) throw new Error("template: a resource of the template fleet is missing from its state");
  const tMpOfLink = (i) => tWorld.accounts.miniPrograms.find((mp) => mp.appId === tWorld.spec.officialAccounts[0].links[i].miniProgramAppId);

  const key = (b) => `${b.appId}/${b.pluginAppId}`;
  const appliedAt = new Map(wechat.bindings.map((b) => [key(b), b.appliedAt]));
  const mps = new Map(world.accounts.miniPrograms.map((mp) => [mp.appId, mp]));
  const slots = new Map(world.spec.officialAccounts.flatMap((oa) => oa.links.map((link, slot) => [`${oa.appId}/${link.miniProgramAppId}`, slot])));
  // A plugin's appliedAt is the time its create applied (the provider's clock; a read keeps the stored one): here the
  // time WeChat recorded the application.
  const readAppliedAt = (at) => new Date(at).toISOString();

  const ws = await runnerWorkspace(dir, env);
  // The spec as the runner reads it (plugin sets resolved), so each shard holds what the runner's program declares.
  const spec = parseFleetSpec(JSON.stringify(world.spec), "fleet.json");
  const now = new Date().toISOString();
  const made = await inPool(
    Array.from({ length: shards }, (_, i) => i),
    concurrency,
    async (index) => {
      const stack = shardStackName("wechat-fleet", index);
      const providerId = randomUUID();
      const stackWide = [
        [`urn:pulumi:${tStack}::`, `urn:pulumi:${stack}::`],
        [`${projectName}-${tStack}`, `${projectName}-${stack}`],
        [providerResource.id, providerId],
      ];
      const stamp = (r) => ({ ...r, created: now, modified: now });
      const resources = [stamp(substitute(stackResource, new Map(), stackWide)), stamp(substitute(providerResource, new Map(), stackWide))];
      for (const resource of fleetResources(spec, { index, count: shards })) {
        if (resource.type === "MiniProgramPlugin") {
          const { appId, pluginAppId } = resource.inputs;
          const at = appliedAt.get(`${appId}/${pluginAppId}`);
          if (at === undefined) throw new Error(`WeChat holds no binding ${appId}/${pluginAppId}`);
          const made = stamp(substitute(pluginTemplates.get(pluginAppId), new Map(), [...stackWide, [tMp.appId, appId]]));
          made.outputs.appliedAt = readAppliedAt(at);
          resources.push(made);
        } else {
          const { officialAccountAppId, miniProgramAppId } = resource.inputs;
          const slot = slots.get(resource.name);
          const tMpLinked = tMpOfLink(slot);
          const mp = mps.get(miniProgramAppId);
          const exact = new Map([
            [tMpLinked.nickname, mp.nickname],
            [tMpLinked.username, mp.username],
          ]);
          resources.push(stamp(substitute(tLinks[slot], exact, [...stackWide, [tOa.appId, officialAccountAppId], [tMpLinked.appId, miniProgramAppId]])));
        }
      }
      const deployment = { version: template.exported.version, deployment: { manifest: { ...tmpl.manifest, time: now }, secrets_providers: tmpl.secrets_providers, resources, metadata: tmpl.metadata ?? {} } };
      await Stack.create(stack, ws);
      await ws.setTag(stack, shardsTag, String(shards));
      await ws.importStack(stack, deployment);
      progress?.(index);
      return resources.length - 2;
    },
  );
  return { seconds: (performance.now() - started) / 1000, stacks: shards, resources: made.reduce((a, b) => a + b, 0) };
}
