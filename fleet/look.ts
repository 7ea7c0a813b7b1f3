import { isDeepStrictEqual } from "node:util";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import type { RefreshedResource } from "../drift/engine-events";
import { inPool } from "../provider/client/pool";
import { accountOf, isOwnType, nativeTypePrefix, typeNameOf, urnName } from "../provider/identity";
import { type Providers, resourceTypes } from "../provider/providers";
import { FleetError } from "./errors";
import { runPulumi } from "./workspace";

/**
 * The runner's own look at a shard, for `drift` and for `up`'s look before it writes: what a refresh would read,
 * without the engine's refresh. The stack's state is read once through Pulumi (`pulumi stack export`, on any
 * backend), and each resource is read at WeChat by the resource's own `read`, in this process, through the run's token
 * broker's client: one token per account, one list per account, however many resources. It yields what
 * `pulumi refresh --preview-only` yields (plan.ts then plans from it as from the engine's), at the cost of the reads,
 * where the engine's refresh costs a Pulumi CLI, a language host and a provider process per shard and an RPC per
 * resource: the CPU time that bounded a fleet's drift.
 *
 * What the engine would do differently, it is left to: a state with pending operations (a killed run's, which the
 * engine warns about and `recover` settles), resources of a type this runner does not plan (anything but the fleet's
 * two types, on either provider, and Pulumi's own),
 * secrets in a resource's state, and a resource whose provider is not this release's (an older state, whose
 * `__provider` the engine would load and run, or a native plugin of another version).
 */

/** Set to `engine`, the runner looks at every stack through the engine's refresh (`pulumi refresh --preview-only`). */
export const lookVariable = "PULUMI_WECHAT_FLEET_LOOK";

/** What the look found: the state's resources with their reads, or why the engine must look instead. */
export type Look = { refreshed: RefreshedResource[]; asStored: boolean } | { engine: string };

/** A resource of a stack's exported state, as far as the look reads it. */
interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** A native resource's provider: its URN and id, `urn:…::pulumi:providers:wechat::default_<version>::<id>`. */
  provider?: string;
  taint?: boolean;
}

/** Pulumi's marker of a secret value in an exported state: the key of the object that wraps it. */
const secretSignature = "4dabf18193072939515e22adb298388d";

function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && secretSignature in value;
}

/**
 * The provider modules this release's resources are stored with (dynamic/plugin.ts, dynamic/link.ts): Pulumi's closure
 * serializer stores a few lines of text that require one of them.
 */
const ownProviders = ["plugin", "link"].map((name) => `require("pulumi-wechat/dist/provider/dynamic/${name}.js")`);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the runner's own manifest (the package refers to itself)
const { version } = require("pulumi-wechat/package.json") as { version: string };
/** How a native resource's state names the default provider of this release's plugin (`provider`, a URN and an id). */
const ownNativeProvider = `::pulumi:providers:wechat::default_${version.replace(/\./g, "_")}::`;

/** Whether this release would read the resource as the engine would: its own provider's code, of this version. */
function ownProvider(resource: StateResource): boolean {
  if (resource.type.startsWith(nativeTypePrefix)) return resource.provider?.includes(ownNativeProvider) === true;
  const stored = String(resource.inputs?.__provider);
  return ownProviders.some((provider) => stored.includes(provider));
}

/**
 * The runner's look at one stack (see above), `parallel` reads at once: each waits on WeChat, not on this machine, and
 * an account's resources share one list. `know` makes the broker's client able to serve the state's accounts. `native`:
 * the spec declares the resources on the native provider.
 */
export async function lookAtShard(ws: LocalWorkspace, stack: string, providers: Providers, know: (appIds: string[]) => Promise<void>, parallel: number, native = false): Promise<Look> {
  // Not the Automation API's exportStack: it asks for --show-secrets, with which the CLI decrypts and re-serializes
  // the whole state, twice the CPU time of the export itself (0.37 against 0.17 CPU-s for 250 resources, 280 stacks
  // at 70,000). The look leaves a state with secrets to the engine, and sees them by their marker, encrypted or not.
  const { deployment } = JSON.parse(await runPulumi(ws, ["stack", "export", "--stack", stack])) as { deployment?: { pending_operations?: unknown[]; resources?: unknown[] } };
  if ((deployment?.pending_operations ?? []).length > 0) return { engine: "the state holds operations a killed run left pending" };
  const resources = ((deployment?.resources ?? []) as StateResource[]).filter((resource) => !resource.type.startsWith("pulumi:"));
  for (const resource of resources) {
    if (!isOwnType(resource.type)) return { engine: `the state holds ${resource.urn}, of a type the runner does not plan` };
    // A stack of the dynamic resources moves to the native provider with the spec's `provider: native` (plan.ts finds it
    // unsettled, and the up's refresh runs the native provider, which reads either state); back it cannot: the dynamic
    // provider's host finds no provider code in a native resource's state, and fails every refresh of it.
    if (!native && resource.type.startsWith(nativeTypePrefix)) {
      throw new FleetError(
        "FLEET_PROVIDER_MISMATCH",
        `stack ${stack} holds the native provider's resources (${resource.urn}), and the spec declares the dynamic ones; nothing was done. ` +
          "A fleet moves to the native provider, not back: put `provider: native` back in the spec",
      );
    }
    // The fleet's resources hold only flat values: a secret would be one of them, wrapped in Pulumi's marker object.
    if (Object.values({ ...resource.inputs, ...resource.outputs }).some(isSecret)) return { engine: `the state holds secrets in ${resource.urn}` };
    if (!ownProvider(resource)) return { engine: `${resource.urn} was stored by another version of pulumi-wechat` };
  }
  // The accounts' tokens come through the broker's client, as the stacks' come through the broker.
  await know(resources.map((resource) => accountOf(urnName(resource.urn))));
  let asStored = true;
  const refreshed = await inPool(resources, parallel, async (resource): Promise<RefreshedResource> => {
    const outputs = resource.outputs ?? {};
    const read = await resourceTypes[typeNameOf(resource.type)!].resource(providers).read(resource.id ?? "", outputs);
    // As the provider answers the engine: the read's outputs, with the state's `__provider` for a dynamic resource, in
    // the engine's JSON (no undefined fields); an empty id is a resource gone at WeChat.
    const found = read.id === "" ? null : (JSON.parse(JSON.stringify({ ...read.props, __provider: outputs.__provider })) as Record<string, unknown>);
    if (!isDeepStrictEqual(found, outputs)) asStored = false;
    return { urn: resource.urn, type: resource.type, name: urnName(resource.urn), state: { inputs: resource.inputs ?? {}, outputs }, read: found, taint: resource.taint === true };
  });
  return { refreshed: refreshed as RefreshedResource[], asStored };
}
