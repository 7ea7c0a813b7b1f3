import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as rpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../provider/native/server";
import { packageSchema } from "../../provider/native/schema";
import { seed, useEmulator } from "../support/emulator";

/*
 * The native provider's gRPC service, served on loopback and called as the engine calls it, against the emulator:
 * what the YAML end-to-end tests cannot see in detail (each property's diff, the failures CheckConfig names, a
 * cancellation ending retries, a read by import id).
 */

const emulator = useEmulator();

let server: grpc.Server;
let client: rpc.ResourceProviderClient;

beforeAll(async () => {
  const served = await serve("0.1.0-test", undefined);
  server = served.server;
  client = new rpc.ResourceProviderClient(`127.0.0.1:${served.port}`, grpc.credentials.createInsecure());
});
afterAll(() => {
  client.close();
  server.forceShutdown();
});

type Done<Response> = (error: grpc.ServiceError | null, response: Response) => void;

/** One call of the service, as a promise: `call((done) => client.diff(request, done))`. */
function call<Response>(invoke: (done: Done<Response>) => unknown): Promise<Response> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

const struct = (value: object) => Struct.fromJavaScript(value as Record<string, never>);
const pluginUrn = (name: string) => `urn:pulumi:test::native::wechat:index:MiniProgramPlugin::${name}`;
const linkUrn = (name: string) => `urn:pulumi:test::native::wechat:index:OfficialAccountLink::${name}`;

/** The engine's marker of a secret value. */
const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

function platformConfig(endpoint: string): Record<string, unknown> {
  return {
    endpoint,
    componentAppId: seed.component.appId,
    // As the engine sends a secret to Configure (CheckConfig gets every value plain).
    componentAppSecret: secret(seed.component.appSecret),
    componentVerifyTicket: seed.component.verifyTicket,
    authorizerRefreshTokens: JSON.stringify({ [seed.coffee]: `refreshtoken@@@${seed.coffee}`, [seed.officialAccount]: `refreshtoken@@@${seed.officialAccount}` }),
    maxAttempts: 8,
    version: "0.1.0",
  };
}

async function configure(config: Record<string, unknown>): Promise<void> {
  await call<proto.ConfigureResponse>((done) => client.configure(new proto.ConfigureRequest().setArgs(struct(config)), done));
}

function diff(urn: string, olds: object, news: object, oldInputs?: object) {
  const request = new proto.DiffRequest().setUrn(urn).setId("id").setOlds(struct(olds)).setNews(struct(news));
  if (oldInputs) request.setOldInputs(struct(oldInputs));
  return call<proto.DiffResponse>((done) => client.diff(request, done));
}

/** The protocol's enums are plain objects, without TypeScript's reverse mapping. */
const kindNames = new Map(Object.entries(proto.PropertyDiff.Kind).map(([name, kind]) => [kind, name]));

function detailed(response: proto.DiffResponse): Record<string, [string, boolean]> {
  const kinds: Record<string, [string, boolean]> = {};
  response.getDetaileddiffMap().forEach((value, key) => (kinds[key] = [kindNames.get(value.getKind())!, value.getInputdiff()]));
  return kinds;
}

describe("the native provider's service", () => {
  it("serves the package schema and its version", async () => {
    const schema = await call<proto.GetSchemaResponse>((done) => client.getSchema(new proto.GetSchemaRequest(), done));
    expect(JSON.parse(schema.getSchema())).toEqual(packageSchema("0.1.0-test"));
    expect((await call<PluginInfo>((done) => client.getPluginInfo(new Empty(), done))).getVersion()).toBe("0.1.0-test");
  });

  it("CheckConfig names every problem: an unknown wechat: key and an invalid value; a valid configuration passes, its credentials marked secret", async () => {
    const checkConfig = (news: Record<string, unknown>) => call<proto.CheckResponse>((done) => client.checkConfig(new proto.CheckRequest().setNews(struct(news)), done));
    // The engine sends CheckConfig plain values, secrets included.
    const plain = { ...platformConfig(emulator.url), componentAppSecret: seed.component.appSecret };
    const refused = await checkConfig({ ...plain, endpoint: "http://wechat.example.com", appSecret: "{}" });
    const reasons = refused.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`);
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toMatch(/^appSecret: wechat:appSecret is not a setting of the wechat provider; the settings are wechat:endpoint, /);
    expect(reasons[1]).toContain("wechat:endpoint");

    // What the state keeps: the credentials marked secret, whether or not the stack config held them as secrets, and a
    // token store URL with a password in it; the rest as it came.
    const accepted = await checkConfig({ ...plain, tokenStore: "redis://:hunter2@127.0.0.1:6379", tokenStoreLayout: "wxjava" });
    expect(accepted.getFailuresList()).toEqual([]);
    expect(accepted.getInputs()?.toJavaScript()).toEqual({
      ...plain,
      componentAppSecret: secret(seed.component.appSecret),
      componentVerifyTicket: secret(seed.component.verifyTicket),
      authorizerRefreshTokens: secret((plain as Record<string, unknown>).authorizerRefreshTokens),
      tokenStore: secret("redis://:hunter2@127.0.0.1:6379"),
      tokenStoreLayout: "wxjava",
    });
    expect((await checkConfig({ ...plain, tokenStore: "redis://127.0.0.1:6379" })).getInputs()?.toJavaScript()).toMatchObject({ tokenStore: "redis://127.0.0.1:6379" });

    // A setting not known yet (a preview) is not judged, nor marked: the engine configures only with known values.
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const pending = await checkConfig({ ...plain, componentAppSecret: unknown });
    expect(pending.getFailuresList()).toEqual([]);
    expect(pending.getInputs()?.toJavaScript()).toMatchObject({ componentAppSecret: unknown });
  });

  it("a configuration change changes the provider's settings, not the resources", async () => {
    const olds = platformConfig(emulator.url);
    const diffConfig = (news: Record<string, unknown>) =>
      call<proto.DiffResponse>((done) => client.diffConfig(new proto.DiffRequest().setUrn("urn:pulumi:test::native::pulumi:providers:wechat::default").setOlds(struct(olds)).setOldInputs(struct(olds)).setNews(struct(news)), done));
    const same = await diffConfig({ ...olds, componentAppSecret: seed.component.appSecret });
    expect(same.getChanges()).toBe(proto.DiffResponse.DiffChanges.DIFF_NONE);
    const changed = await diffConfig({ ...olds, maxAttempts: 3 });
    expect([changed.getChanges(), changed.getDiffsList(), changed.getReplacesList()]).toEqual([proto.DiffResponse.DiffChanges.DIFF_SOME, ["maxAttempts"], []]);
  });

  it("diffs each property: an update, a replacement, a refused application applied again, and nothing", async () => {
    const olds = { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0", appliedVersion: "1.0.0", status: "approved" };
    const news = { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" };
    const update = await diff(pluginUrn("chat"), olds, news, { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.0.0" });
    expect(update.getChanges()).toBe(proto.DiffResponse.DiffChanges.DIFF_SOME);
    expect(update.getReplacesList()).toEqual([]);
    expect(detailed(update)).toEqual({ version: ["UPDATE", true] });

    // A version whose quick update failed after the apply: declared as before, not yet running.
    const retried = await diff(pluginUrn("chat"), { ...olds, version: "1.4.2" }, news, { appId: seed.coffee, pluginAppId: seed.liveChat, version: "1.4.2" });
    expect(detailed(retried)).toEqual({ version: ["UPDATE", true] });

    const moved = await diff(pluginUrn("chat"), olds, { ...news, version: "1.0.0", appId: seed.bakery });
    expect(moved.getReplacesList()).toEqual(["appId"]);
    expect(detailed(moved)).toEqual({ appId: ["UPDATE_REPLACE", true] });

    const refused = await diff(pluginUrn("chat"), { ...olds, status: "rejected" }, { ...news, version: "1.0.0" });
    expect(refused.getReplacesList()).toEqual(["status"]);
    expect(refused.getDeletebeforereplace()).toBe(true);
    expect(detailed(refused)).toEqual({ status: ["UPDATE_REPLACE", false] });

    const kept = await diff(pluginUrn("chat"), { ...olds, status: "rejected" }, { ...news, version: "1.0.0", onRejected: "keep" });
    expect(kept.getChanges()).toBe(proto.DiffResponse.DiffChanges.DIFF_NONE);

    const link = { officialAccountAppId: seed.officialAccount, miniProgramAppId: seed.coffee, notifyUsers: false, showProfile: false, status: "linked" };
    const { status: _status, ...linkInputs } = link;
    const relink = await diff(linkUrn("group"), link, { ...linkInputs, showProfile: true });
    expect(relink.getReplacesList()).toEqual(["showProfile"]);
    expect(relink.getDeletebeforereplace()).toBe(true);
    expect(detailed(relink)).toEqual({ showProfile: ["UPDATE_REPLACE", true] });
  });

  it("reads a binding by the id `pulumi import` gives, with its inputs; a type it does not serve is named", async () => {
    await configure(platformConfig(emulator.url));
    const inputs = { appId: seed.coffee, pluginAppId: seed.liveChat };
    const created = await call<proto.CreateResponse>((done) => client.create(new proto.CreateRequest().setUrn(pluginUrn("chat")).setProperties(struct(inputs)), done));
    expect(created.getId()).toBe(`${seed.coffee}/${seed.liveChat}`);

    const read = await call<proto.ReadResponse>((done) => client.read(new proto.ReadRequest().setUrn(pluginUrn("imported")).setId(created.getId()), done));
    expect(read.getId()).toBe(created.getId());
    expect(read.getInputs()?.toJavaScript()).toEqual(inputs);
    expect(read.getProperties()?.toJavaScript()).toMatchObject({ ...inputs, status: "approved", nickname: "Live Chat" });

    await call<Empty>((done) => client.delete(new proto.DeleteRequest().setUrn(pluginUrn("chat")).setId(created.getId()).setProperties(read.getProperties()), done));
    const gone = await call<proto.ReadResponse>((done) => client.read(new proto.ReadRequest().setUrn(pluginUrn("chat")).setId(created.getId()), done));
    expect(gone.getId()).toBe("");

    const other = call<proto.ReadResponse>((done) => client.read(new proto.ReadRequest().setUrn("urn:pulumi:test::native::wechat:index:Menu::menu").setId("x"), done));
    await expect(other).rejects.toThrow("wechat:index:Menu is not a resource type of the wechat provider; its types are wechat:index:MiniProgramPlugin, wechat:index:OfficialAccountLink");
  });

  it("a create that applied but could not set the version keeps the binding: the engine gets its id and outputs with the error", async () => {
    await configure(platformConfig(emulator.url));
    const failed = await call<proto.CreateResponse>((done) =>
      client.create(new proto.CreateRequest().setUrn(pluginUrn("chat")).setProperties(struct({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "9.9.9" })), done),
    ).then(
      () => undefined,
      (error: grpc.ServiceError) => error,
    );
    expect(failed?.details).toContain("WeChat error 89257");
    const [details] = failed!.metadata.get("grpc-status-details-bin") as Buffer[];
    const [detail] = Status.deserializeBinary(new Uint8Array(details)).getDetailsList();
    const initFailed = detail.unpack((bytes) => proto.ErrorResourceInitFailed.deserializeBinary(bytes), "pulumirpc.ErrorResourceInitFailed");
    expect(initFailed?.getId()).toBe(`${seed.coffee}/${seed.liveChat}`);
    expect(initFailed?.getProperties()?.toJavaScript()).toMatchObject({ appId: seed.coffee, pluginAppId: seed.liveChat, version: "9.9.9", status: "approved" });
    expect(initFailed?.getProperties()?.toJavaScript()).not.toHaveProperty("appliedVersion");
  });

  // Last: a cancellation is for the rest of the provider process's life, as the engine's is for the rest of the run.
  it("a cancellation ends the retries of a call WeChat keeps failing: the create fails at once, saying why", async () => {
    await configure(platformConfig(emulator.url));
    await emulator.fault({ path: "/wxa/plugin", action: "apply", errcode: -1 });
    await emulator.clearCalls();
    const create = call<proto.CreateResponse>((done) => client.create(new proto.CreateRequest().setUrn(pluginUrn("chat")).setProperties(struct({ appId: seed.coffee, pluginAppId: seed.liveChat })), done));
    const failed = create.then(
      () => undefined,
      (error: Error) => error,
    );
    // Once the first attempt has failed, the create is waiting to retry (a bounded wait: 10 s at most).
    for (let polls = 0; polls < 500 && ((await emulator.calls()).counts["/wxa/plugin#apply"] ?? 0) < 1; polls++) await new Promise((resolve) => setTimeout(resolve, 20));
    await call<Empty>((done) => client.cancel(new Empty(), done));
    const error = await failed;
    expect(error?.message).toContain("the update was cancelled, so pulumi-wechat stopped retrying WeChat's call; run `pulumi up` again to finish");
    expect((await emulator.calls()).counts["/wxa/plugin#apply"]).toBeLessThan(8);
  });
});
