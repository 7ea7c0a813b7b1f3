import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { dynamicTypePrefix } from "../provider/identity";
import { nativeType } from "../provider/native/schema";
import { MiniProgramPlugin, type MiniProgramPluginArgs, OfficialAccountLink, type OfficialAccountLinkArgs } from "../provider/index";
import { fleetResources } from "./resources";
import { loadFleetSpec } from "./spec";
import { FleetError } from "./errors";

/** What the program reads, besides its stack's name: the spec file and the shard count. */
export const specVariable = "PULUMI_WECHAT_FLEET_SPEC";
export const shardsVariable = "PULUMI_WECHAT_FLEET_SHARDS";
/** A recovery's: a JSON file listing the resources, by name, whose create a killed run left pending (recover.ts). */
export const adoptVariable = "PULUMI_WECHAT_FLEET_ADOPT";

/**
 * The program of every stack of the fleet, one shard each: the runner's project (workspace.ts) calls it. The shard index
 * is the stack name's number; the spec and the shard count come from the environment, never from stack config: Pulumi
 * hands a dynamic provider the whole stack config and keeps it in each stack's state as the default provider's inputs,
 * and `pulumi state move` refuses to move a resource into a stack whose default provider has other inputs. Anything
 * that differs between stacks or runs must stay out of the config.
 */
export function declareShard(env: NodeJS.ProcessEnv = process.env): void {
  const index = Number(/-(\d+)$/.exec(pulumi.getStack())?.[1]);
  const count = Number(env[shardsVariable]);
  const spec = env[specVariable];
  if (!Number.isInteger(index) || !Number.isInteger(count) || !spec) {
    throw new FleetError("FLEET_NOT_UNDER_RUNNER", `this program runs under pulumi-wechat-fleet, which names its stacks <prefix>-<shard> and sets ${specVariable} and ${shardsVariable}`);
  }
  const adoptFile = env[adoptVariable];
  const adopt = adoptFile ? new Set(JSON.parse(readFileSync(adoptFile, "utf8")) as string[]) : undefined;
  const fleet = loadFleetSpec(spec);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed package's own manifest
  const { version } = require("pulumi-wechat/package.json") as { version: string };
  for (const { type, name, inputs: declared } of fleetResources(fleet, { index, count })) {
    const inputs = { ...declared, ...(adopt?.has(name) ? { adopt: true } : {}) };
    // Each resource carries an alias to its type on the other provider. From dynamic to native it is how a fleet moves
    // (the spec's `provider: native`) without a replacement. The runner refuses the way back (look.ts); the alias keeps
    // an engine that runs this program anyway from deleting the native resource and creating the dynamic one, which
    // would unbind what it adopts.
    if (fleet.provider === "native") new NativeResource(nativeType(type), name, inputs, { version, aliases: [{ type: `${dynamicTypePrefix}${type}` }] });
    else if (type === "MiniProgramPlugin") new MiniProgramPlugin(name, inputs as MiniProgramPluginArgs, { aliases: [{ type: nativeType(type) }] });
    else new OfficialAccountLink(name, inputs as OfficialAccountLinkArgs, { aliases: [{ type: nativeType(type) }] });
  }
}

/**
 * A resource of the native provider (the wechat plugin of this package's version, which the runner checks is installed)
 * by its type token: what the generated SDK's classes are, without their typing.
 */
class NativeResource extends pulumi.CustomResource {}
