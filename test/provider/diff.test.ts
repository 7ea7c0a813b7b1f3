import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { Diff, unknownValue } from "../../provider/inputs";
import { LinkInputs, LinkOutputs, LinkResource } from "../../provider/link";
import { PluginInputs, PluginOutputs, PluginResource } from "../../provider/plugin";
import * as runtime from "../../provider/runtime";

/* Diffs decide from the state and the program alone: no WeChat, no emulator, no provider process. */

const coffee = "wxc0ffee0000000001";
const bakery = "wxb4ce000000000002";
const none: pulumi.dynamic.DiffResult = { changes: false, replaces: [], deleteBeforeReplace: false };
const inPlace: pulumi.dynamic.DiffResult = { changes: true, replaces: [], deleteBeforeReplace: false };
const replace = (replaces: string[], deleteBeforeReplace = false): pulumi.dynamic.DiffResult => ({ changes: true, replaces, deleteBeforeReplace });

/** A row: what it proposes, the state's and the program's departures from the defaults, the result, the warning. */
type Row<Outputs, Inputs> = [string, Partial<Outputs>, Partial<Inputs>, pulumi.dynamic.DiffResult, RegExp?];

function proposes<Outputs, Inputs>(diff: (olds: Outputs, news: Inputs) => Diff, olds: Outputs, news: Inputs, rows: Row<Outputs, Inputs>[]): void {
  it.each(rows)("proposes %s", (_name, state, program, result, warning) => {
    const proposed = diff({ ...olds, ...state }, { ...news, ...program });
    expect(proposed.result).toEqual(result);
    expect(proposed.warnings).toEqual(warning ? [expect.stringMatching(warning)] : []);
  });
}

describe("MiniProgramPlugin diff", () => {
  const olds: PluginOutputs = {
    appId: coffee,
    pluginAppId: "wx1000000000000001",
    version: "2.2.46",
    status: "approved",
    statusCode: 2,
    nickname: "Store Locator",
    headImgUrl: "",
    appliedVersion: "2.2.46",
  };
  const news: PluginInputs = { appId: coffee, pluginAppId: "wx1000000000000001", version: "2.2.46" };

  proposes(PluginResource.diff, olds, news, [
    ["nothing when the declared version is the applied one", {}, {}, none],
    ["an update in place when the version differs from the applied one", {}, { version: "1.0.0" }, inPlace],
    ["nothing when the program drops the version: the plugin keeps the one it runs", {}, { version: undefined }, none],
    ["nothing for the version while the application waits for the plugin developer", { status: "applying", statusCode: 1, appliedVersion: undefined }, {}, none],
    ["nothing for a version unknown during preview while the application waits", { status: "applying", statusCode: 1, appliedVersion: undefined }, { version: unknownValue }, none],
    ["the version once a refresh has seen the approval", { status: "approved", statusCode: 2, appliedVersion: undefined }, {}, inPlace],
    ["nothing for a new reason: WeChat reads it only when applying", {}, { reason: "new words" }, none],
    ["nothing for adopt, which only a create reads", {}, { adopt: true }, none],
    ["nothing for adopt dropped after the create", { adopt: true }, {}, none],
    ["a replacement, creating first, for another plugin", {}, { pluginAppId: "wx1000000000000002" }, replace(["pluginAppId"])],
    ["a replacement, creating first, for another mini program", {}, { appId: bakery }, replace(["appId"])],
    ["a replacement when the plugin is unknown during preview", {}, { pluginAppId: unknownValue }, replace(["pluginAppId"])],
    ["an update when the version is unknown during preview", {}, { version: unknownValue }, inPlace],
    ["a replacement of a rejected application, unbinding first", { status: "rejected", statusCode: 3 }, {}, replace(["status"], true), /rejected by the plugin developer; it will be unbound and applied for again$/],
    ["a replacement of an expired application, unbinding first", { status: "expired", statusCode: 4 }, {}, replace(["status"], true), /left unanswered until it expired; it will be unbound and applied for again$/],
    ["one replacement, creating first, of a rejected application of a plugin replaced anyway", { status: "rejected", statusCode: 3 }, { pluginAppId: "wx1000000000000002" }, replace(["pluginAppId"])],
    ["a replacement of a rejected application when onRejected says reapply, as unset", { status: "rejected", statusCode: 3 }, { onRejected: "reapply" }, replace(["status"], true), /it will be unbound and applied for again$/],
    ["nothing for a rejected application kept refused", { status: "rejected", statusCode: 3 }, { onRejected: "keep" }, none, /rejected by the plugin developer; it is kept refused \(onRejected: keep\), not unbound or applied for again$/],
    ["nothing for a version on a rejected application kept refused: WeChat updates approved plugins only", { status: "rejected", statusCode: 3, appliedVersion: undefined }, { onRejected: "keep", version: "1.0.0" }, none, /kept refused/],
    ["a replacement of an expired application even when refusals are kept: nobody refused it", { status: "expired", statusCode: 4 }, { onRejected: "keep" }, replace(["status"], true), /left unanswered until it expired; it will be unbound and applied for again$/],
    ["nothing for onRejected on an approved plugin", {}, { onRejected: "keep" }, none],
    ["nothing for onRejected dropped", { onRejected: "keep" }, {}, none],
    ["one replacement, creating first, of a rejected application kept refused whose plugin is replaced anyway", { status: "rejected", statusCode: 3 }, { onRejected: "keep", pluginAppId: "wx1000000000000002" }, replace(["pluginAppId"])],
  ]);

  it("names the plugin and the mini program in its warning", () => {
    expect(PluginResource.diff({ ...olds, status: "rejected", statusCode: 3 }, news).warnings[0]).toBe(
      "plugin wx1000000000000001 on mini program wxc0ffee0000000001: the application was rejected by the plugin developer; it will be unbound and applied for again",
    );
  });

  it("says once per run, through the provider's entry point, that a rejected application is kept refused, and proposes nothing", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    onTestFinished(() => stderr.mockRestore());
    const kept = { ...olds, pluginAppId: "wx1000000000000009", status: "rejected" as const, statusCode: 3 };
    for (let diff = 0; diff < 2; diff++) expect(await runtime.plugin.diff!("id", kept, { ...news, pluginAppId: "wx1000000000000009", onRejected: "keep" })).toEqual(none);
    expect(stderr.mock.calls).toEqual([
      ["warning: plugin wx1000000000000009 on mini program wxc0ffee0000000001: the application was rejected by the plugin developer; it is kept refused (onRejected: keep), not unbound or applied for again\n"],
    ]);
  });

  it("says a rejected application is kept refused when onRejected is keep", () => {
    expect(PluginResource.diff({ ...olds, status: "rejected", statusCode: 3 }, { ...news, onRejected: "keep" }).warnings).toEqual([
      "plugin wx1000000000000001 on mini program wxc0ffee0000000001: the application was rejected by the plugin developer; it is kept refused (onRejected: keep), not unbound or applied for again",
    ]);
  });
});

describe("OfficialAccountLink diff", () => {
  const olds: LinkOutputs = {
    officialAccountAppId: "wx0a00000000000001",
    miniProgramAppId: coffee,
    notifyUsers: false,
    showProfile: false,
    status: "linked",
    statusCode: 1,
    username: "gh_c0ffee000001",
    nickname: "Harbour Coffee",
    released: true,
    selected: false,
  };
  const news: LinkInputs = { officialAccountAppId: "wx0a00000000000001", miniProgramAppId: coffee, notifyUsers: false, showProfile: false };

  proposes(LinkResource.diff, olds, news, [
    ["nothing when the program matches the state", {}, {}, none],
    ["nothing for notifyUsers, which only matters when inviting", {}, { notifyUsers: true }, none],
    ["nothing for an invitation waiting for the official account's admin", { status: "pendingOfficialAccountAdmin", statusCode: 12 }, {}, none],
    ["nothing for an invitation waiting for the mini program's admin", { status: "pendingMiniProgramAdmin", statusCode: 2 }, {}, none],
    ["nothing for adopt, which only a create reads", {}, { adopt: true }, none],
    ["a relink, unlinking first, for a new showProfile", {}, { showProfile: true }, replace(["showProfile"], true)],
    ["a relink, unlinking first, when showProfile is unknown during preview", {}, { showProfile: unknownValue as unknown as boolean }, replace(["showProfile"], true)],
    ["a replacement, creating first, for another mini program", {}, { miniProgramAppId: bakery }, replace(["miniProgramAppId"])],
    ["a replacement when the mini program is unknown during preview", {}, { miniProgramAppId: unknownValue }, replace(["miniProgramAppId"])],
    ["a replacement, creating first, for another official account", {}, { officialAccountAppId: "wx0a00000000000002" }, replace(["officialAccountAppId"])],
    ["an update in place for a new miniProgramUsername", {}, { miniProgramUsername: "gh_c0ffee000001" }, inPlace],
    ["an update in place when miniProgramUsername is dropped", { miniProgramUsername: "gh_c0ffee000001" }, {}, inPlace],
    ["a new invitation over a rejected one, unlinking first", { status: "rejected", statusCode: 3 }, {}, replace(["status"], true), /rejected the invitation; it will be sent again$/],
    ["one relink over a rejected invitation with a new showProfile", { status: "rejected", statusCode: 3 }, { showProfile: true }, replace(["showProfile", "status"], true), /rejected the invitation/],
    ["one replacement, creating first, of a rejected invitation to a mini program replaced anyway", { status: "rejected", statusCode: 3 }, { miniProgramAppId: bakery }, replace(["miniProgramAppId"])],
  ]);

  it("names both accounts in its warning", () => {
    expect(LinkResource.diff({ ...olds, status: "rejected", statusCode: 3 }, news).warnings[0]).toBe(
      "link from official account wx0a00000000000001 to mini program wxc0ffee0000000001: the mini program's admin rejected the invitation; it will be sent again",
    );
  });
});
