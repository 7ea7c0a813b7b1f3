import { MiniProgramPlugin, OfficialAccountLink } from "pulumi-wechat";

// The accounts of the emulator's default seed: a harbour-side group with three shops' mini programs and one
// official account. Pointed at real WeChat, these would be your own app ids.
const miniPrograms = {
  coffee: "wxc0ffee0000000001",
  bakery: "wxb4ce000000000002",
  books: "wxb00c000000000003",
};
const officialAccount = "wx0a00000000000001";
const pluginIds = {
  storeLocator: "wx1000000000000001", // the developer approves each application
  liveChat: "wx1000000000000002", // no approval needed
  membershipCard: "wx1000000000000003", // the developer approves each application
};

const plugins: Record<string, MiniProgramPlugin> = {
  "coffee-store-locator": new MiniProgramPlugin("coffee-store-locator", {
    appId: miniPrograms.coffee,
    pluginAppId: pluginIds.storeLocator,
    version: "2.2.46",
    reason: "Show our cafés on a map",
  }),
  "coffee-live-chat": new MiniProgramPlugin("coffee-live-chat", { appId: miniPrograms.coffee, pluginAppId: pluginIds.liveChat, version: "1.4.2" }),
  "bakery-membership-card": new MiniProgramPlugin("bakery-membership-card", {
    appId: miniPrograms.bakery,
    pluginAppId: pluginIds.membershipCard,
    version: "2.1.0",
    reason: "Loyalty stamps for regulars",
  }),
  "books-live-chat": new MiniProgramPlugin("books-live-chat", { appId: miniPrograms.books, pluginAppId: pluginIds.liveChat }),
};

const link = new OfficialAccountLink("harbour-coffee", {
  officialAccountAppId: officialAccount,
  miniProgramAppId: miniPrograms.coffee,
  notifyUsers: true,
  showProfile: true,
});

export const pluginStatus = Object.fromEntries(
  Object.entries(plugins).map(([name, plugin]) => [name, { status: plugin.status, version: plugin.version, appliedVersion: plugin.appliedVersion }]),
);
export const linkStatus = { status: link.status, username: link.username };
