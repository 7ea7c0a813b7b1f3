import { AsyncLocalStorage } from "node:async_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import * as rpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import * as statusProto from "@pulumi/pulumi/proto/status_pb";
import { PartialCreateError } from "../client/errors";
import { type ConfigKey, configKeys, configSettings, loadConfig } from "../config";
import { type TypeName, typeNameOf } from "../identity";
import { isUnknown } from "../inputs";
import { warn, warnOnce } from "../log";
import { type Providers, type ResourceType, createProviders, resourceTypes } from "../providers";
import { nativeType, packageSchema } from "./schema";

/**
 * The native provider: Pulumi's ResourceProvider gRPC service, served with the SDK's generated stubs, over the same
 * resources and client as the dynamic provider (runtime.ts). It is the host adapter for every Pulumi language (YAML,
 * Python, Go, .NET, TypeScript through the generated SDK) and for `pulumi import`. Unlike @pulumi/pulumi/provider's
 * server it keeps the provider's configuration, validates it in CheckConfig, and returns detailed diffs.
 */

type Values = Record<string, unknown>;

/** The engine's marker of a secret value: `{ [secretSig]: secretValue, value }`. */
const secretSig = "4dabf18193072939515e22adb298388d";
const secretValue = "1b47061264138c4ac30d75fd1eb44270";

/** A value with the engine's secret wrappers taken off: the configuration may hold them. */
function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (value === null || typeof value !== "object") return value;
  const object = value as Values;
  if (object[secretSig] === secretValue) return revealed(object.value);
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, revealed(inner)]));
}

function values(struct: Struct | undefined): Values {
  return (struct?.toJavaScript() ?? {});
}

function struct(value: object): Struct {
  // undefined properties (an unset optional output) are not values the engine knows.
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, never>);
}

/**
 * A provider configuration value as loadConfig reads stack config: text. Stack config and YAML's provider options may
 * give a JSON map as an object, and numbers and booleans typed.
 */
function configText(value: unknown): string | undefined {
  if (value === undefined || value === null || isUnknown(value)) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Keys the engine itself puts among a provider's inputs. */
const engineKeys = new Set(["version", "pluginDownloadURL"]);

export class WeChatProvider {
  private providers?: Providers;
  private readonly cancelled = new AbortController();
  /** The resource each request is about, so that warnings raised while serving it name it. */
  private readonly serving = new AsyncLocalStorage<string>();
  private readonly warn: (message: string) => void;

  constructor(
    private readonly version: string,
    engine?: engineRpc.EngineClient,
  ) {
    const log = (message: string) => {
      if (!engine) return warn(message);
      const request = new engineProto.LogRequest();
      request.setSeverity(engineProto.LogSeverity.WARNING);
      request.setMessage(message);
      request.setUrn(this.serving.getStore() ?? "");
      // Not lost if the engine cannot take it: the provider's stderr, as the dynamic provider's warnings.
      engine.log(request, (error) => {
        if (error) warn(message);
      });
    };
    this.warn = warnOnce(log);
  }

  /** The service's handlers; the RPCs left out answer UNIMPLEMENTED (invoke, call, construct, parameterize, …). */
  handlers(): Partial<rpc.IResourceProviderServer> {
    return {
      getPluginInfo: unary(() => new pluginProto.PluginInfo().setVersion(this.version)),
      getSchema: unary(() => new proto.GetSchemaResponse().setSchema(JSON.stringify(packageSchema(this.version)))),
      checkConfig: unary((request: proto.CheckRequest) => this.checkConfig(request)),
      diffConfig: unary((request: proto.DiffRequest) => this.diffConfig(request)),
      configure: unary((request: proto.ConfigureRequest) => this.configure(request)),
      check: unary((request: proto.CheckRequest) => this.serve(request.getUrn(), () => this.check(request))),
      diff: unary((request: proto.DiffRequest) => this.serve(request.getUrn(), () => this.diff(request))),
      create: unary((request: proto.CreateRequest) => this.serve(request.getUrn(), () => this.create(request))),
      read: unary((request: proto.ReadRequest) => this.serve(request.getUrn(), () => this.read(request))),
      update: unary((request: proto.UpdateRequest) => this.serve(request.getUrn(), () => this.update(request))),
      delete: unary((request: proto.DeleteRequest) => this.serve(request.getUrn(), () => this.delete(request))),
      cancel: unary(() => {
        this.cancelled.abort();
        return new Empty();
      }),
    };
  }

  /** Every configuration problem, each naming its key, before anything reaches WeChat; unknown `wechat:` keys too. */
  private checkConfig(request: proto.CheckRequest): proto.CheckResponse {
    const news = values(request.getNews());
    const failures: Array<{ property: string; reason: string }> = [];
    const known = new Set<string>(configKeys);
    for (const key of Object.keys(news)) {
      if (!known.has(key) && !engineKeys.has(key) && !key.startsWith("__")) {
        failures.push({ property: key, reason: `wechat:${key} is not a setting of the wechat provider; the settings are ${configKeys.map((k) => `wechat:${k}`).join(", ")}` });
      }
    }
    // A setting not known yet (a preview's output of another resource) is checked once it is: the engine configures
    // the provider only with known values.
    if (!Object.values(news).some(isUnknown)) {
      const loaded = loadFrom(news);
      if (!loaded.ok) failures.push(...loaded.problems.map((reason) => ({ property: "", reason })));
    }
    return new proto.CheckResponse().setInputs(struct(secretsMarked(news))).setFailuresList(failures.map(checkFailure));
  }

  /** A change of configuration changes nothing at WeChat: no provider replacement, only the next operations' settings. */
  private diffConfig(request: proto.DiffRequest): proto.DiffResponse {
    const olds = revealed(values(request.getOldInputs() ?? request.getOlds())) as Values;
    const news = revealed(values(request.getNews())) as Values;
    const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    return new proto.DiffResponse()
      .setChanges(changed.length > 0 ? proto.DiffResponse.DiffChanges.DIFF_SOME : proto.DiffResponse.DiffChanges.DIFF_NONE)
      .setDiffsList(changed);
  }

  private configure(request: proto.ConfigureRequest): proto.ConfigureResponse {
    const loaded = loadFrom(values(request.getArgs()));
    // CheckConfig refused a configuration with problems, so this only happens to a caller that skipped it.
    if (!loaded.ok) throw new Error(`the wechat provider is not configured correctly:\n- ${loaded.problems.join("\n- ")}`);
    this.providers = createProviders(loaded.config, { warn: this.warn, retry: { sleep: (ms) => this.pause(ms) } });
    // Secrets arrive as plain values and the engine marks what it keeps secret; previews call neither create nor update.
    return new proto.ConfigureResponse().setAcceptsecrets(false).setSupportspreview(false).setAcceptresources(false).setAcceptoutputs(false);
  }

  /** A retry's wait, which a cancellation (the first Ctrl-C) ends with an error: no call is tried again after it. */
  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.cancelled.signal });
    } catch {
      throw new Error("the update was cancelled, so pulumi-wechat stopped retrying WeChat's call; run `pulumi up` again to finish");
    }
  }

  /** The resource's own check; valid inputs of a new binding or link are looked up, to warn of a create that would fail. */
  private async check(request: proto.CheckRequest): Promise<proto.CheckResponse> {
    const resource = this.type(request.getUrn()).resource(this.configured());
    const checked = resource.check(values(request.getNews()));
    if (checked.inputs && checked.failures?.length === 0) {
      const warning = await resource.existingWarning(values(request.getOlds()), checked.inputs);
      if (warning) this.warn(warning);
    }
    return new proto.CheckResponse().setInputs(struct(checked.inputs ?? {})).setFailuresList((checked.failures ?? []).map(checkFailure));
  }

  /** The resource's own diff, with each property's change, so that the CLI shows what changes and why. */
  private diff(request: proto.DiffRequest): proto.DiffResponse {
    const type = this.type(request.getUrn());
    const olds = values(request.getOlds());
    const news = values(request.getNews());
    const { result, warnings } = type.diff(olds, news);
    for (const message of warnings) this.warn(message);
    const replaces = result.replaces ?? [];
    const response = new proto.DiffResponse().setReplacesList(replaces).setDeletebeforereplace(result.deleteBeforeReplace ?? false).setHasdetaileddiff(true);
    if (!result.changes) return response.setChanges(proto.DiffResponse.DiffChanges.DIFF_NONE);
    // What `up` changes, against what WeChat has (a plugin runs the version last set by quick update, not the declared).
    const live = type.liveInputs(olds);
    const changed = type.fields.map((f) => f.name).filter((key) => JSON.stringify(live[key]) !== JSON.stringify(news[key]));
    const keys = [...new Set([...changed, ...replaces])];
    const detailed = response.setChanges(proto.DiffResponse.DiffChanges.DIFF_SOME).setDiffsList(keys).getDetaileddiffMap();
    for (const key of keys) {
      const kind = replaces.includes(key)
        ? proto.PropertyDiff.Kind.UPDATE_REPLACE
        : live[key] === undefined
          ? proto.PropertyDiff.Kind.ADD
          : news[key] === undefined
            ? proto.PropertyDiff.Kind.DELETE
            : proto.PropertyDiff.Kind.UPDATE;
      detailed.set(key, new proto.PropertyDiff().setKind(kind).setInputdiff(type.fields.some((f) => f.name === key)));
    }
    return response;
  }

  private async create(request: proto.CreateRequest): Promise<proto.CreateResponse> {
    const type = this.type(request.getUrn());
    try {
      const { id, outs } = await type.resource(this.configured()).create(values(request.getProperties()));
      return new proto.CreateResponse().setId(id).setProperties(struct(outs ?? {}));
    } catch (error) {
      // The binding or link exists at WeChat though a later step failed: the engine keeps it in the state.
      if (error instanceof PartialCreateError) throw initFailed(error);
      throw error;
    }
  }

  private async read(request: proto.ReadRequest): Promise<proto.ReadResponse> {
    const type = this.type(request.getUrn());
    const { id, props, inputs } = await type.resource(this.configured()).read(request.getId(), values(request.getProperties()));
    const response = new proto.ReadResponse().setId(id);
    if (id === "") return response;
    return response.setProperties(struct(props ?? {})).setInputs(struct(inputs ?? {}));
  }

  private async update(request: proto.UpdateRequest): Promise<proto.UpdateResponse> {
    const type = this.type(request.getUrn());
    const { outs } = await type.resource(this.configured()).update(request.getId(), values(request.getOlds()), values(request.getNews()));
    return new proto.UpdateResponse().setProperties(struct(outs ?? {}));
  }

  private async delete(request: proto.DeleteRequest): Promise<Empty> {
    const type = this.type(request.getUrn());
    await type.resource(this.configured()).delete(request.getId(), values(request.getProperties()));
    return new Empty();
  }

  private serve<T>(urn: string, handle: () => T): T {
    return this.serving.run(urn, handle);
  }

  private configured(): Providers {
    if (!this.providers) throw new Error("the wechat provider was not configured: the engine calls Configure before any resource operation");
    return this.providers;
  }

  private type(urn: string): ResourceType {
    const token = urn.split("::")[2]?.split("$").pop() ?? "";
    const name = typeNameOf(token);
    if (!name || token !== nativeType(name)) throw new Error(`${token || urn} is not a resource type of the wechat provider; its types are ${Object.keys(resourceTypes).map((t) => nativeType(t as TypeName)).join(", ")}`);
    return resourceTypes[name];
  }
}

/**
 * The settings as the state keeps them: the engine hands CheckConfig plain values and marks secret again only what the
 * stack config holds as a secret, so a credential set without --secret, or written into a provider's options, would be
 * stored in plain text. The credentials are marked here, and so is a token store URL with a password in it.
 */
function secretsMarked(settings: Values): Values {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => {
      const secret = (configKeys as readonly string[]).includes(key) && (configSettings[key as ConfigKey].secret || (key === "tokenStore" && hasPassword(value)));
      return [key, secret && !isUnknown(value) ? { [secretSig]: secretValue, value } : value];
    }),
  );
}

function hasPassword(url: unknown): boolean {
  try {
    return typeof url === "string" && new URL(url).password !== "";
  } catch {
    return false;
  }
}

function loadFrom(config: Values) {
  const settings = revealed(config) as Values;
  return loadConfig((key) => configText(settings[key.slice(key.indexOf(":") + 1)]));
}

function checkFailure({ property, reason }: { property: string; reason: string }): proto.CheckFailure {
  return new proto.CheckFailure().setProperty(property).setReason(reason);
}

/**
 * A create that left the binding or link at WeChat: gRPC's status details carry ErrorResourceInitFailed with its id
 * and outputs, which the engine records in the state.
 */
function initFailed(error: PartialCreateError): StatusError {
  const detail = new proto.ErrorResourceInitFailed().setId(error.id).setProperties(struct(error.properties)).setReasonsList([error.message]);
  const any = new Any();
  any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
  const status = new statusProto.Status().setCode(grpc.status.UNKNOWN).setMessage(error.message).setDetailsList([any]);
  const metadata = new grpc.Metadata();
  metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  return new StatusError({ code: grpc.status.UNKNOWN, details: error.message, metadata });
}

/** An error to answer with this gRPC status, details included. */
class StatusError extends Error {
  constructor(readonly status: Partial<grpc.StatusObject>) {
    super(status.details);
  }
}

/** A unary handler from a function: its result is the answer; what it throws, the error the engine prints, once. */
function unary<Request, Response>(handle: (request: Request) => Response | Promise<Response>): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handle(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (error instanceof StatusError) return callback(error.status);
          callback({ code: grpc.status.UNKNOWN, details: error instanceof Error ? error.message : String(error) });
        },
      );
  };
}

/**
 * Serves the provider on a free loopback port. `engine` is the address the engine passes as the plugin's argument, for
 * warnings; without it they go to stderr.
 */
export async function serve(version: string, engine: string | undefined): Promise<{ server: grpc.Server; port: number }> {
  const client = engine ? new engineRpc.EngineClient(engine, grpc.credentials.createInsecure()) : undefined;
  const provider = new WeChatProvider(version, client);
  // The engine sends whole states and schemas in one message; gRPC's 4 MB default is too small for large stacks.
  const server = new grpc.Server({ "grpc.max_receive_message_length": 1 << 30, "grpc.max_send_message_length": 1 << 30 });
  server.addService(rpc.ResourceProviderService, provider.handlers() as rpc.IResourceProviderServer);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, port };
}
